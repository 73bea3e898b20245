# shellcheck shell=bash
# How scripts/chain.sh creates a local permissioned network, readable on its own: a key per
# validator, per role and per member organisation in a test keyring, every account funded at
# genesis, code upload limited to the consortium's address and the organisations' member keys,
# instantiation restricted to the addresses each code names (by default its uploader), the block
# gas limit, short governance periods, one gentx per validator.
# Sourced by scripts/chain.sh; uses its CHAIN_ID, NET, WASMD, KEYRING, VALIDATORS, ORGS, ROLES,
# FUNDS, DENOM and BLOCK_MAX_GAS, node-config.sh's configure_node and orgs.sh's org_keys,
# org_of_validator and upload_addresses.

# new_keys: a key per validator (validator<i>), per role and per organisation (orgs.sh);
# `wasmd keys add --output json` prints the mnemonic, kept in logs/key-<name>.json (the relayer,
# deployment and tests read it). A validator run by an organisation has its name as moniker.
new_keys() {
  local i r moniker orgk=()
  mapfile -t orgk < <(org_keys)
  for ((i = 0; i < VALIDATORS; i++)); do
    moniker=$(org_of_validator "$i")
    "$WASMD" init "${moniker:-node$i}" --chain-id "$CHAIN_ID" --default-denom "$DENOM" --home "$NET/node$i" >/dev/null 2>&1 \
      || die "wasmd init failed for node$i"
    "$WASMD" keys add "validator$i" "${KEYRING[@]}" --output json >"$NET/logs/key-validator$i.json" 2>&1
  done
  for r in "${ROLES[@]}" "${orgk[@]}"; do
    "$WASMD" keys add "$r" "${KEYRING[@]}" --output json >"$NET/logs/key-$r.json" 2>&1
  done
}

# fund_accounts <genesis home>: FUNDS to every validator, role and organisation key at genesis.
fund_accounts() {
  local i name addr names=()
  for ((i = 0; i < VALIDATORS; i++)); do names+=("validator$i"); done
  mapfile -t -O "${#names[@]}" names < <(org_keys)
  for name in "${names[@]}" "${ROLES[@]}"; do
    addr=$("$WASMD" keys show "$name" -a "${KEYRING[@]}")
    "$WASMD" genesis add-genesis-account "$addr" "$FUNDS" --home "$1" >/dev/null \
      || die "add-genesis-account $name failed"
  done
}

# permission_genesis <genesis.json>: permissioned wasm (only the consortium and the member
# organisations upload code; each code names who may instantiate it), the block gas limit, short
# governance periods (a proposal of scripts/pin-codes.sh, expedited, passes in 30 s).
permission_genesis() {
  local g=$1 uploaders
  uploaders=$(upload_addresses)
  jq --argjson up "$uploaders" --arg gas "$BLOCK_MAX_GAS" '
      .app_state.wasm.params.code_upload_access = {permission: "AnyOfAddresses", addresses: $up}
    | .app_state.wasm.params.instantiate_default_permission = "AnyOfAddresses"
    | .consensus.params.block.max_gas = $gas
    | .app_state.gov.params.voting_period = "60s"
    | .app_state.gov.params.expedited_voting_period = "30s"' "$g" > "$g.tmp" && mv "$g.tmp" "$g"
}

# gentxs <genesis.json>: each validator's self-delegation, collected into node 0's genesis.
gentxs() {
  local g=$1 i home
  for ((i = 0; i < VALIDATORS; i++)); do
    home="$NET/node$i"
    [ "$i" -eq 0 ] || cp "$g" "$home/config/genesis.json"
    "$WASMD" genesis gentx "validator$i" "100000000000$DENOM" --chain-id "$CHAIN_ID" \
      "${KEYRING[@]}" --home "$home" --output-document "$NET/gentx/gentx-$i.json" >/dev/null 2>&1 \
      || die "gentx failed for validator$i"
  done
  "$WASMD" genesis collect-gentxs --gentx-dir "$NET/gentx" --home "$NET/node0" >/dev/null 2>&1 \
    || die "collect-gentxs failed"
  "$WASMD" genesis validate --home "$NET/node0" >/dev/null || die "genesis does not validate"
}

# init_network: a new network in .chain/<chain-id>/ (anything there before is removed).
init_network() {
  log "creating network $CHAIN_ID with $VALIDATORS validator(s)$([ "$ORGS" -eq 0 ] || echo " run by $ORGS member organisation(s)") in .chain/$CHAIN_ID"
  rm -rf "$NET"
  mkdir -p "$NET/logs" "$NET/gentx"
  local g0="$NET/node0/config/genesis.json" peers="" id i
  new_keys
  fund_accounts "$NET/node0"
  permission_genesis "$g0"
  gentxs "$g0"
  for ((i = 0; i < VALIDATORS; i++)); do
    id=$("$WASMD" comet show-node-id --home "$NET/node$i")
    peers+="${peers:+,}$id@127.0.0.1:$(port "$i" 0)"
  done
  for ((i = 0; i < VALIDATORS; i++)); do
    [ "$i" -eq 0 ] || cp "$g0" "$NET/node$i/config/genesis.json"
    configure_node "$i" "$peers"
  done
  echo "$VALIDATORS" > "$NET/validators"
  echo "$ORGS" > "$NET/orgs"
  echo "$PORT_BASE" > "$NET/port-base"
}
