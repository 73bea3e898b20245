# shellcheck shell=bash
# Sourced by the scripts that install Node packages (client-test.sh, web-test.sh).
# npm_install DIR: `npm ci` in DIR from its lockfile, unless DIR/node_modules already holds
# exactly that lockfile's packages (the lockfile's sha256, stamped after an install that
# succeeded), so one run of scripts/test.sh installs each folder once.
npm_install() {
  local dir=$1 sum stamp="$1/node_modules/.diachain-lockfile.sha256"
  sum=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1) || return 1
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
    echo "npm: $dir/node_modules is installed from this lockfile"
    return 0
  fi
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) && echo "$sum" > "$stamp"
}
