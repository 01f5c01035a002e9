package sdk

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLookupUnknownListsTheKnownSDKs(t *testing.T) {
	_, err := Lookup("ruby")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown SDK "ruby": known SDKs are `)
	for _, n := range Names() {
		assert.Contains(t, err.Error(), n)
	}
}

func TestMissingToolchainIsNamed(t *testing.T) {
	s := SDK{Name: "dotnet", Toolchain: ".NET SDK", Programs: []string{"surely-not-on-path-dotnet"}}
	_, err := s.Prepare(context.Background(), Options{Root: t.TempDir()})
	var missing *MissingToolchainError
	require.True(t, errors.As(err, &missing))
	assert.Equal(t, "dotnet: .NET SDK not found (no surely-not-on-path-dotnet on PATH)", err.Error())
	assert.ErrorIs(t, err, ErrNotRunnableHere, "SDK=all skips an SDK whose toolchain is missing")
	assert.NotErrorIs(t, errors.New("dotnet: build failed"), ErrNotRunnableHere)
}

func TestSourceAndVersionAreExclusiveAndSourceMustExist(t *testing.T) {
	s := SDK{Name: "x", prepare: nil}
	_, err := s.Prepare(context.Background(), Options{Root: t.TempDir(), Source: "/no/such/checkout"})
	assert.ErrorContains(t, err, "SDK_SOURCE /no/such/checkout")
	_, err = s.Prepare(context.Background(), Options{Root: t.TempDir(), Source: t.TempDir(), Version: "1.0.0"})
	assert.ErrorContains(t, err, "not both")
}
