package robustness_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/taimen-dev/taimen/suites"
	_ "github.com/taimen-dev/taimen/suites/robustness"
)

func TestRobustness(t *testing.T) {
	RegisterFailHandler(Fail)
	suites.Register()
	RunSpecs(t, "taimen robustness")
}
