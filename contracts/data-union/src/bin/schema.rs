use cosmwasm_schema::generate_api;
use data_union::msg::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};

fn main() {
    diachain_std::schema::write(generate_api! {
        name: "data-union",
        instantiate: InstantiateMsg,
        execute: ExecuteMsg,
        query: QueryMsg,
        migrate: MigrateMsg,
    });
}
