package timing_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/taimen-dev/taimen/suites"
	_ "github.com/taimen-dev/taimen/suites/timing"
)

func TestTiming(t *testing.T) {
	RegisterFailHandler(Fail)
	suites.Register()
	RunSpecs(t, "taimen timing")
}
