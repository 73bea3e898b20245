//! The attributes of a multi-test response.

use cw_multi_test::AppResponse;

/// The value of the first attribute `key` of any wasm event in `res`.
pub fn attribute(res: &AppResponse, key: &str) -> Option<String> {
    attributes(res, key).into_iter().next()
}

/// Every value of attribute `key` in the wasm events of `res`, in order.
pub fn attributes(res: &AppResponse, key: &str) -> Vec<String> {
    res.events
        .iter()
        .filter(|e| e.ty.starts_with("wasm"))
        .flat_map(|e| e.attributes.iter())
        .filter(|a| a.key == key)
        .map(|a| a.value.clone())
        .collect()
}
