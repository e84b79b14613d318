package main

import (
	"fmt"

	"github.com/taimen-dev/taimen/emulator"
)

// faultFlags turns the --fault values of emulate and relay into settings with
// parse; "--fault list" prints infos instead (listed true). A bad name is a
// usage error that lists the valid ones.
func faultFlags(e env, names []string, infos []emulator.FaultInfo, parse func(string) (emulator.FaultSetting, error)) (faults []emulator.FaultSetting, listed bool, err error) {
	if len(names) == 1 && names[0] == "list" {
		for _, f := range infos {
			fmt.Fprintf(e.stdout, "%-30s %-11s %s\n", f.Fault, f.Area, f.Does)
		}
		return nil, true, nil
	}
	for _, n := range names {
		f, err := parse(n)
		if err != nil {
			return nil, false, usageError{err}
		}
		faults = append(faults, f)
	}
	return faults, false, nil
}
