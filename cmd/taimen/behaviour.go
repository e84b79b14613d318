package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/taimen-dev/taimen/internal/readfile"
	"github.com/taimen-dev/taimen/myna"
	"github.com/taimen-dev/taimen/suites/target"
)

// DiscoverSchema is the schema of `taimen discover`'s document.
const DiscoverSchema = "taimen.discover/v1"

// maxBehaviourFile bounds a --behaviour file: a discover document is a few kilobytes.
const maxBehaviourFile = 1 << 20

// loadBehaviour reads run --behaviour FILE: a discover document (schema "taimen.discover/v1",
// whose "behaviour" block and optional "retry_limits" are used; its report fields are not) or
// a bare behaviour block in the profile schema. Both are parsed by myna's profile parser; a
// problem is a setupError naming the file and the field.
func loadBehaviour(path string) (*target.Discovered, *myna.RetryLimits, error) {
	data, err := readfile.Regular(path, maxBehaviourFile)
	if err != nil {
		return nil, nil, setupf("--behaviour: %w", err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, nil, setupf("--behaviour %s: not a JSON object: %w", path, err)
	}
	block := data
	var limits *myna.RetryLimits
	if raw, ok := top["schema"]; ok {
		var schema string
		if json.Unmarshal(raw, &schema) != nil || schema != DiscoverSchema {
			return nil, nil, setupf("--behaviour %s: schema: want %q (a discover document) or no schema (a bare behaviour block)", path, DiscoverSchema)
		}
		if block = top["behaviour"]; block == nil || bytes.Equal(bytes.TrimSpace(block), []byte("null")) {
			return nil, nil, setupf("--behaviour %s: behaviour: missing", path)
		}
		if raw := top["retry_limits"]; raw != nil {
			l, err := myna.ParseRetryLimitsBlock(path, raw)
			if err != nil {
				return nil, nil, behaviourError(path, err)
			}
			limits = &l
		}
	}
	b, given, err := myna.ParseBehaviour(path, block)
	if err != nil {
		return nil, nil, behaviourError(path, err)
	}
	return &target.Discovered{Source: path, Behaviour: b, Given: given}, limits, nil
}

// behaviourNotForEmulated is the usage error of --behaviour on an emulated target.
func behaviourNotForEmulated(spec string) error {
	return usagef("--behaviour is for a physical card (--target pcsc:READER), not %s: an emulated card's profile already declares its behaviour (edit the profile's \"behaviour\" block instead)", spec)
}

// behaviourError is a setupError of the --behaviour file: "--behaviour FILE: FIELD: reason; …",
// from myna's *ProfileError values (which never quote a value).
func behaviourError(path string, err error) error {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	var parts []string
	for _, e := range errs {
		var pe *myna.ProfileError
		switch {
		case errors.As(e, &pe) && pe.Field != "":
			parts = append(parts, pe.Field+": "+pe.Err.Error())
		case errors.As(e, &pe):
			parts = append(parts, pe.Err.Error())
		default:
			parts = append(parts, e.Error())
		}
	}
	return setupError{fmt.Errorf("--behaviour %s: %s", path, strings.Join(parts, "; "))}
}
