package securitystate_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/taimen-dev/taimen/suites"
	_ "github.com/taimen-dev/taimen/suites/securitystate"
)

func TestSecurityState(t *testing.T) {
	RegisterFailHandler(Fail)
	suites.Register()
	RunSpecs(t, "taimen security state")
}
