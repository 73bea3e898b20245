#!/usr/bin/env bash
# Installs, on a fresh machine, every tool the wasm build and checks need, and caches them in
# the repo's ignored .tools/ folder. Re-running is cheap: each tool is installed only when the
# pinned version is missing.
#   scripts/install-tools.sh [rust] [wasm-opt] [cosmwasm-check] [fhir] [shellcheck]
#                            [nightscout-clients] [cargo-bolero]   (default: all)
#   - the Rust of rust-toolchain.toml with rustfmt, clippy and the wasm32-unknown-unknown
#     target (rustup)
#   - binaryen's wasm-opt (npm package `binaryen`), which lowers bulk-memory ops for wasmvm 3.0
#   - cosmwasm-check (crates.io), the same static checks wasmd runs on upload
#   - the HAPI FHIR validator (tests/fhir-validator, Maven Central, built with the machine's
#     Java and Maven into .tools/m2), an independent check of the relayer's FHIR export
#   - shellcheck (Debian package, apt-get), the linter scripts/test.sh runs over scripts/
#   - real Nightscout clients from PyPI (nightscout-cli, py-nightscout), unchanged, in a Python
#     virtual environment at .tools/py, for the e2e test of Nightscout followers
#   - cargo-bolero (crates.io, libfuzzer engine only), the coverage-guided fuzzer scripts/fuzz.sh
#     drives on stable Rust (--sanitizer NONE needs no nightly)
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
source scripts/versions.env

# .tools may be a symlink to a shared folder (a worktree's; the copy clean-build.sh builds in):
# the links written into it name the folder itself, so they outlive the symlink (a link through
# the copy's path dangled for every checkout sharing the folder once the copy was removed).
mkdir -p "$PWD/.tools/bin"
TOOLS=$(cd "$PWD/.tools" && pwd -P)
PARTS=("$@")
[ ${#PARTS[@]} -gt 0 ] || PARTS=(rust wasm-opt cosmwasm-check fhir shellcheck nightscout-clients cargo-bolero)
# cargo-bolero with the libfuzzer engine only (its default AFL and Kani engines are not used and
# AFL's C build is slow); the libfuzzer C++ sources ship inside the bolero-libfuzzer crate.
cargo_bolero() {
  local bin="$TOOLS/bin/cargo-bolero"
  if [ ! -x "$bin" ] || ! "$bin" bolero --version 2>/dev/null | grep -q " $CARGO_BOLERO_VERSION\$"; then
    echo "install-tools: building cargo-bolero $CARGO_BOLERO_VERSION (about a minute once)"
    cargo install --quiet --locked --debug --root "$TOOLS" --version "$CARGO_BOLERO_VERSION" \
      --no-default-features --features libfuzzer cargo-bolero
  fi
  echo "install-tools: cargo-bolero $("$bin" bolero --version | awk '{print $NF}')"
}

for p in "${PARTS[@]}"; do
  case "$p" in
    rust|wasm-opt|cosmwasm-check|fhir|shellcheck|nightscout-clients|cargo-bolero) ;;
    *) DIE_STATUS=2 die "unknown tool $p (rust, wasm-opt, cosmwasm-check, fhir, shellcheck, nightscout-clients, cargo-bolero)" ;;
  esac
done
# The pinned Rust of rust-toolchain.toml, with rustfmt, clippy and the wasm32 target (rustup
# installs nothing by itself where RUSTUP_AUTO_INSTALL=0).
rust() {
  local channel have
  channel=$(sed -n 's/^channel *= *"\(.*\)"$/\1/p' rust-toolchain.toml)
  [ -n "$channel" ] || { echo "install-tools: rust-toolchain.toml names no channel" >&2; exit 1; }
  have=$(rustup component list --toolchain "$channel" --installed 2>/dev/null || true)
  if ! grep -q '^rustfmt' <<<"$have" || ! grep -q '^clippy' <<<"$have" \
     || ! grep -q '^rust-std-wasm32-unknown-unknown' <<<"$have"; then
    echo "install-tools: installing Rust $channel (rust-toolchain.toml) with rustfmt, clippy and wasm32"
    rustup toolchain install "$channel" --profile minimal --component rustfmt,clippy \
      --target wasm32-unknown-unknown
  fi
  echo "install-tools: Rust $(rustc --version | awk '{print $2}')"
}

wasm_opt() {
  local bin="$TOOLS/binaryen/node_modules/binaryen/bin/wasm-opt"
  if [ ! -x "$bin" ] || ! "$bin" --version | grep -q "version $BINARYEN_VERSION"; then
    echo "install-tools: installing binaryen $BINARYEN_VERSION (wasm-opt) from npm"
    mkdir -p "$TOOLS/binaryen"
    npm install --silent --no-audit --no-fund --prefix "$TOOLS/binaryen" "binaryen@$BINARYEN_VERSION.0.0" >/dev/null
  fi
  ln -sf "$bin" "$TOOLS/bin/wasm-opt"
  echo "install-tools: wasm-opt $("$TOOLS/bin/wasm-opt" --version | awk '{print $3}')"
}

cosmwasm_check() {
  local bin="$TOOLS/bin/cosmwasm-check"
  if [ ! -x "$bin" ] || ! "$bin" --version | grep -q "$COSMWASM_CHECK_VERSION"; then
    echo "install-tools: building cosmwasm-check $COSMWASM_CHECK_VERSION (takes minutes once)"
    # An unoptimised build: the same checks, compiled in about 3 minutes here instead of several
    # more for the release profile, and they still take under a second a contract.
    cargo install --quiet --locked --debug --root "$TOOLS" --version "$COSMWASM_CHECK_VERSION" cosmwasm-check
  fi
  echo "install-tools: cosmwasm-check $("$bin" --version | awk '{print $NF}')"
}

fhir() {
  if ! bash scripts/fhir-validate.sh --build >/dev/null; then
    echo "install-tools: building the FHIR validator failed (needs java and mvn)" >&2
    exit 1
  fi
  echo "install-tools: FHIR validator (HAPI FHIR $(sed -n 's:.*<hapi.version>\(.*\)</hapi.version>.*:\1:p' tests/fhir-validator/pom.xml))"
}

# Debian's shellcheck (apt-get waits for the package lock: test.sh installs Chromium beside it).
shellcheck() {
  if ! type -P shellcheck >/dev/null; then   # (the command, not this function)
    echo "install-tools: installing shellcheck (apt-get)"
    local sudo=()
    [ "$(id -u)" = 0 ] || sudo=(sudo -n)
    "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq shellcheck >/dev/null
  fi
  echo "install-tools: shellcheck $(command shellcheck --version | sed -n 's/^version: //p')"
}

# nightscout-cli and py-nightscout (with aiohttp and pytz) in .tools/py, pinned.
nightscout_clients() {
  local py="$TOOLS/py"
  if [ ! -x "$py/bin/nightscout" ] \
     || ! "$py/bin/pip" show nightscout-cli 2>/dev/null | grep -qx "Version: $NIGHTSCOUT_CLI_VERSION" \
     || ! "$py/bin/pip" show py-nightscout 2>/dev/null | grep -qx "Version: $PY_NIGHTSCOUT_VERSION"; then
    echo "install-tools: installing nightscout-cli $NIGHTSCOUT_CLI_VERSION and py-nightscout $PY_NIGHTSCOUT_VERSION (PyPI) into .tools/py"
    python3 -m venv "$py"
    "$py/bin/pip" install --quiet --disable-pip-version-check \
      "nightscout-cli==$NIGHTSCOUT_CLI_VERSION" "py-nightscout==$PY_NIGHTSCOUT_VERSION"
  fi
  echo "install-tools: nightscout-cli $NIGHTSCOUT_CLI_VERSION, py-nightscout $PY_NIGHTSCOUT_VERSION (.tools/py)"
}

for p in "${PARTS[@]}"; do "${p//-/_}"; done
