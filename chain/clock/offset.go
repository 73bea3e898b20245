// DiaChain's clock offset for CometBFT (see docs/chain.md, "Moving a local network's clock").
//
// scripts/wasmd-build.sh builds wasmd against a copy of the pinned CometBFT module to which it
// adds this file, in package types/time, and in which it changes the one line of Now() from
// `return Canonical(time.Now())` to `return Canonical(time.Now().Add(offset))`. Nothing else
// differs from upstream.
//
// The offset is read once, when the node starts, from DIACHAIN_CLOCK_OFFSET (whole seconds,
// >= 0). Unset or empty means 0: exactly upstream's behaviour.
//
// Why: CometBFT takes block times from its validators' clocks (BFT time), so a local network
// can only reach tomorrow by waiting for it. `scripts/chain.sh advance-clock` restarts a local
// network's nodes a given number of seconds ahead, so that tests and frontend developers see a
// study close and pay out, a grant expire or a grace period end now. Block times stay
// monotonic: CometBFT never lets a block time go backwards.
package time

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

// maxOffsetSeconds bounds the offset to 100 years.
const maxOffsetSeconds = 100 * 365 * 24 * 3600

// offset is how far ahead of the machine's clock this node's clock runs.
var offset = readOffset(os.Getenv("DIACHAIN_CLOCK_OFFSET"))

func readOffset(v string) time.Duration {
	if v == "" {
		return 0
	}
	secs, err := strconv.ParseInt(v, 10, 64)
	if err != nil || secs < 0 || secs > maxOffsetSeconds {
		panic(fmt.Sprintf("DIACHAIN_CLOCK_OFFSET must be whole seconds in 0..=%d, got %q", maxOffsetSeconds, v))
	}
	return time.Duration(secs) * time.Second
}
