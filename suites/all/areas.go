package all

// The conformance areas: importing an area declares its specs. Adding an
// area is one line here (then `make catalogue`).
import (
	_ "github.com/taimen-dev/taimen/suites/checkcodes"
	_ "github.com/taimen-dev/taimen/suites/counters"
	_ "github.com/taimen-dev/taimen/suites/reads"
	_ "github.com/taimen-dev/taimen/suites/robustness"
	_ "github.com/taimen-dev/taimen/suites/securemessaging"
	_ "github.com/taimen-dev/taimen/suites/securitystate"
	_ "github.com/taimen-dev/taimen/suites/timing"
)
