package time

import (
	"testing"
	"time"
)

func TestUnsetOrEmptyOffsetIsZeroSoTheClockIsUpstreams(t *testing.T) {
	if got := readOffset(""); got != 0 {
		t.Fatalf("readOffset(\"\") = %v, want 0", got)
	}
}

func TestOffsetIsReadAsWholeSeconds(t *testing.T) {
	cases := map[string]time.Duration{
		"0":          0,
		"90":         90 * time.Second,
		"691200":     8 * 24 * time.Hour,
		"3153600000": maxOffsetSeconds * time.Second,
	}
	for in, want := range cases {
		if got := readOffset(in); got != want {
			t.Errorf("readOffset(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestNegativeMalformedOrHugeOffsetsPanicWithTheVariableName(t *testing.T) {
	for _, in := range []string{"-1", "1.5", "26h", " 90", "abc", "3153600001"} {
		func() {
			defer func() {
				r := recover()
				msg, _ := r.(string)
				if r == nil || len(msg) < 21 || msg[:21] != "DIACHAIN_CLOCK_OFFSET" {
					t.Errorf("readOffset(%q) should panic naming DIACHAIN_CLOCK_OFFSET, got %v", in, r)
				}
			}()
			readOffset(in)
		}()
	}
}
