# shellcheck shell=bash
# How scripts/chain.sh configures each node of a local network, readable on its own: the ports
# every node listens on (all on loopback), its peers, 1-second blocks, the minimum gas price,
# the REST API. Sourced by scripts/chain.sh; uses its NET, PORT_BASE and GAS_PRICE,
# scripts/lib/common.sh's die and (for network.env) orgs.sh's org_env.

port() { echo $((PORT_BASE + 10 * $1 + $2)); }   # port <node> <offset>: P+10i+offset

# set_toml <file> <section> <key> <value>: sets `key = value` in [section] ("" = the top, before
# any section) of a TOML file wasmd wrote. The key must exist there: a renamed setting in a new
# wasmd fails here instead of being silently added where the node never reads it.
set_toml() {
  local file=$1 section=$2 key=$3 value=$4 tmp
  tmp=$(mktemp "$file.XXXXXX")
  if awk -v section="$section" -v key="$key" -v value="$value" '
      /^\[[^]]+\][ \t]*$/ { cur = $0; sub(/^\[/, "", cur); sub(/\][ \t]*$/, "", cur) }
      !done && cur == section && index($0, key) == 1 && substr($0, length(key) + 1) ~ /^[ \t]*=/ {
        print key " = " value; done = 1; next
      }
      { print }
      END { exit done ? 0 : 3 }' "$file" > "$tmp"; then
    cat "$tmp" > "$file"   # keeps the file's mode
    rm -f "$tmp"
  else
    rm -f "$tmp"
    die "set_toml: no key $key in [$section] of $file"
  fi
}

# configure_node <i> <persistent peers>: node i's config.toml and app.toml. Node i listens on
# 127.0.0.1: P2P P+10i, RPC P+10i+1, ABCI P+10i+2, gRPC P+10i+3, REST API P+10i+4, pprof P+10i+5.
configure_node() {
  local i=$1 peers=$2 home="$NET/node$1"
  local cfg="$home/config/config.toml" app="$home/config/app.toml"
  local own others
  own=$(echo "$peers" | tr ',' '\n' | sed -n "$((i + 1))p")
  others=$(echo "$peers" | tr ',' '\n' | grep -vxF "$own" | paste -sd, - || true)
  set_toml "$cfg" "" proxy_app "\"tcp://127.0.0.1:$(port "$i" 2)\""
  set_toml "$cfg" rpc laddr "\"tcp://127.0.0.1:$(port "$i" 1)\""
  set_toml "$cfg" rpc pprof_laddr "\"127.0.0.1:$(port "$i" 5)\""
  set_toml "$cfg" rpc max_body_bytes 10000000
  set_toml "$cfg" p2p laddr "\"tcp://127.0.0.1:$(port "$i" 0)\""
  set_toml "$cfg" p2p persistent_peers "\"$others\""
  set_toml "$cfg" p2p addr_book_strict false
  set_toml "$cfg" p2p allow_duplicate_ip true
  set_toml "$cfg" p2p pex false
  set_toml "$cfg" mempool max_tx_bytes 4194304
  set_toml "$cfg" consensus timeout_commit '"1s"'
  set_toml "$cfg" consensus timeout_propose '"1s"'
  set_toml "$app" "" minimum-gas-prices "\"$GAS_PRICE\""
  set_toml "$app" api enable true
  set_toml "$app" api address "\"tcp://127.0.0.1:$(port "$i" 4)\""
  set_toml "$app" grpc address "\"127.0.0.1:$(port "$i" 3)\""
}

# configure_start <i> <clock offset>: what is set again at every start of node i.
configure_start() {
  local cfg="$NET/node$1/config/config.toml"
  # CometBFT refuses a block whose time is more than block_time_tolerance (default 60 s) ahead
  # of the machine's clock; with the offset, the same 60 s apply to the node's clock.
  set_toml "$cfg" consensus block_time_tolerance "\"$(($2 + 60))s\""
  # Browsers (the web dashboard, the TypeScript client) call the RPC from another origin. The
  # node listens on loopback only, so any origin on this machine may; networks created before
  # this line get it at their next start.
  set_toml "$cfg" rpc cors_allowed_origins '["*"]'
}

# write_env: .chain/<chain-id>/network.env, the settings deploy.sh, run.sh and the tests read.
write_env() {
  cat > "$NET/network.env" <<ENV
# Written by scripts/chain.sh; read by scripts/deploy.sh and the e2e tests.
DIACHAIN_CHAIN_ID=$CHAIN_ID
DIACHAIN_NODE=http://127.0.0.1:$(port 0 1)
DIACHAIN_API=http://127.0.0.1:$(port 0 4)
DIACHAIN_DENOM=$DENOM
DIACHAIN_GAS_PRICE=$GAS_PRICE
DIACHAIN_KEYRING_DIR=$NET
DIACHAIN_KEYRING_BACKEND=test
DIACHAIN_WASMD=$WASMD
DIACHAIN_VALIDATORS=$VALIDATORS
DIACHAIN_PORT_BASE=$PORT_BASE
DIACHAIN_LOGS=$NET/logs
ENV
  org_env >> "$NET/network.env"
}
