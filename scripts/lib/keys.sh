# shellcheck shell=bash
# The signing key of a wasmd keyring, for the binaries that sign (diachain-deploy behind
# scripts/deploy.sh, diachain-gov behind scripts/gov.sh): the secret never appears in a command
# line.
# keyring_key_file: exports key $FROM into a file only its owner may read, removed on exit, and
# names it KEY_FILE. The keyring is the OS's for a remote network (--node) unless
# KEYRING_BACKEND says otherwise, a local network's test keyring (.chain/<chain-id>/) else; reads
# FROM, NODE, CHAIN_ID, KEYRING_BACKEND, KEYRING_DIR and WASMD (the pinned wasmd when empty).
keyring_key_file() {
  local env=".chain/$CHAIN_ID/network.env" keys
  if [ -z "$KEYRING_BACKEND" ]; then
    if [ -n "$NODE" ]; then KEYRING_BACKEND="os"; else KEYRING_BACKEND="test"; fi
  fi
  if [ -z "$NODE" ] && [ -f "$env" ]; then
    [ -n "$KEYRING_DIR" ] || KEYRING_DIR=$(sed -n 's/^DIACHAIN_KEYRING_DIR=//p' "$env")
    [ -n "$WASMD" ] || WASMD=$(sed -n 's/^DIACHAIN_WASMD=//p' "$env")
  fi
  [ -n "$WASMD" ] || WASMD=$(bash scripts/wasmd-build.sh)
  keys=(--keyring-backend "$KEYRING_BACKEND")
  [ -n "$KEYRING_DIR" ] && keys+=(--keyring-dir "$KEYRING_DIR")
  KEY_FILE=$(umask 077 && mktemp)
  trap 'rm -f "$KEY_FILE"' EXIT
  echo y | "$WASMD" keys export "$FROM" --unarmored-hex --unsafe "${keys[@]}" >"$KEY_FILE" 2>/dev/null \
    || die "key $FROM not found in the keyring (${keys[*]})"
}
