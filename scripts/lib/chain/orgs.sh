# shellcheck shell=bash
# The member organisations of a local network started with `scripts/chain.sh start --orgs N`,
# readable on its own. Organisation k (1..N) runs validator k-1 and holds two keys in the test
# keyring: `org<k>`, its member key (a governance vote, code upload), `org<k>-relayer`, its
# relayer's chain key, and `org<k>-patient`, a patient in its care (the main job binds the
# organisation's simulated gateways to them, so each patient's data stays with one custodian). Without --orgs (ORGS = 0) there are none: the single-organisation network
# of before, in which the `consortium` key alone deploys and administers the suite.
# Sourced by scripts/chain.sh; uses its ORGS, WASMD and KEYRING.

# org_keys: every organisation key, member keys first (org1 .. orgN, org1-relayer ..
# orgN-relayer, org1-patient .. orgN-patient), one per line; nothing when ORGS is 0.
org_keys() {
  local k
  for ((k = 1; k <= ORGS; k++)); do echo "org$k"; done
  for ((k = 1; k <= ORGS; k++)); do echo "org$k-relayer"; done
  for ((k = 1; k <= ORGS; k++)); do echo "org$k-patient"; done
}

# org_of_validator <i>: the organisation that runs validator i ("org<i+1>"), or nothing for a
# validator beyond the organisations (one the consortium runs, see --validators).
org_of_validator() {
  if [ "$1" -lt "$ORGS" ]; then echo "org$(($1 + 1))"; fi
}

# key_address <name>: the key's address in the network's test keyring.
key_address() {
  "$WASMD" keys show "$1" -a "${KEYRING[@]}" 2>/dev/null || die "no key $1 in the test keyring"
}

# org_env: the organisations' lines of network.env: how many, the key names (comma-separated)
# and each key's address (DIACHAIN_ORG<k>_ADDRESS, DIACHAIN_ORG<k>_RELAYER_ADDRESS,
# DIACHAIN_ORG<k>_PATIENT_ADDRESS).
org_env() {
  echo "DIACHAIN_ORGS=$ORGS"
  [ "$ORGS" -gt 0 ] || return 0
  local k members="" relayers="" member relayer
  for ((k = 1; k <= ORGS; k++)); do
    members+="${members:+,}org$k"
    relayers+="${relayers:+,}org$k-relayer"
  done
  echo "DIACHAIN_ORG_KEYS=$members"
  echo "DIACHAIN_ORG_RELAYER_KEYS=$relayers"
  for ((k = 1; k <= ORGS; k++)); do
    member=$(key_address "org$k")
    relayer=$(key_address "org$k-relayer")
    echo "DIACHAIN_ORG${k}_ADDRESS=$member"
    echo "DIACHAIN_ORG${k}_RELAYER_ADDRESS=$relayer"
    echo "DIACHAIN_ORG${k}_PATIENT_ADDRESS=$(key_address "org$k-patient")"
    echo "DIACHAIN_ORG${k}_VALIDATOR=validator$((k - 1))"
  done
}

# upload_addresses: who may store code, as a JSON array: the consortium and every member key.
upload_addresses() {
  local k addrs
  addrs=$(key_address consortium)
  for ((k = 1; k <= ORGS; k++)); do addrs+=$'\n'$(key_address "org$k"); done
  echo "$addrs" | jq -R . | jq -sc .
}
