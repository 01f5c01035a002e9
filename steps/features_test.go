package steps_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"conformance/internal/contract"
)

// The features godog runs are the contract: each scenario sits under the
// Rule it checks and carries its tag, each rule is stated once and checked
// by a scenario, and scenario names are unique, because expectations files
// and the dashboard refer to scenarios by name. Package contract says what
// is wrong, file and line.
func TestFeaturesStateTheContract(t *testing.T) {
	rules, err := contract.Load("../features")
	require.NoError(t, err)
	require.NotEmpty(t, rules)
}
