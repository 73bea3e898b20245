use cosmwasm_schema::generate_api;
use reading_anchors::msg::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};

fn main() {
    diachain_std::schema::write(generate_api! {
        name: "reading-anchors",
        instantiate: InstantiateMsg,
        execute: ExecuteMsg,
        query: QueryMsg,
        migrate: MigrateMsg,
    });
}
