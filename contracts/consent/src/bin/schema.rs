use cosmwasm_schema::generate_api;

use consent::msg::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};

fn main() {
    diachain_std::schema::write(generate_api! {
        name: "consent",
        instantiate: InstantiateMsg,
        execute: ExecuteMsg,
        query: QueryMsg,
        migrate: MigrateMsg,
    });
}
