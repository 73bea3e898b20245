//! The one refusal assertion.

use std::error::Error;
use std::fmt::{Debug, Display};

/// Whether `err` is exactly the contract error `expected`: either the error itself (a contract's
/// entry point called directly), or a multi-test error whose root cause it is. cw-multi-test
/// keeps a contract's error as text (it cannot be downcast back to the contract's type) at the
/// end of its error chain, after `error: `, so the whole root cause must equal `expected`'s text,
/// not merely contain or end with it.
pub fn refused_with(err: &impl Display, expected: &impl Display) -> bool {
    let (err, expected) = (err.to_string(), expected.to_string());
    err == expected || err.ends_with(&format!("error: {expected}"))
}

/// Asserts that `result` is a refusal with exactly the contract error `expected`, a value of the
/// refusing contract's `ContractError` (any error type; a bare string is not accepted, so that a
/// test names the variant). `result` is a multi-test result or an entry point's own result.
#[track_caller]
pub fn assert_refused<T: Debug, E: Display>(result: Result<T, E>, expected: impl Error) {
    match result {
        Ok(ok) => panic!("expected refusal `{expected}`, but it succeeded: {ok:?}"),
        Err(err) => assert!(
            refused_with(&err, &expected),
            "expected refusal `{expected}`, got: {err}"
        ),
    }
}

/// Unwraps a message's result, showing the contract's error (not a backtrace) if it was
/// refused.
pub trait Accepted<T> {
    fn accepted(self, what: &str) -> T;
}

impl<T, E: Display> Accepted<T> for Result<T, E> {
    #[track_caller]
    fn accepted(self, what: &str) -> T {
        self.unwrap_or_else(|e| panic!("{what}: refused: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cosmwasm_std::StdError;

    #[test]
    fn the_whole_root_cause_must_match() {
        let err = StdError::msg("Unauthorized: not the admin");
        assert!(refused_with(&err, &"Unauthorized: not the admin"));
        assert!(!refused_with(&err, &"not the admin"));
        assert!(!refused_with(&err, &"Unauthorized"));
        assert!(refused_with(&"Unauthorized", &"Unauthorized"));
        assert!(!refused_with(&"Not Unauthorized", &"Unauthorized"));
    }

    #[test]
    #[should_panic(expected = "but it succeeded")]
    fn a_success_is_not_a_refusal() {
        let expected = "x".parse::<u8>().unwrap_err();
        assert_refused(Ok::<u8, StdError>(1), expected);
    }

    #[test]
    fn an_entry_points_own_error_is_compared_whole() {
        let err = "x".parse::<u8>().unwrap_err();
        assert_refused(Err::<(), _>(err.clone()), err);
    }
}
