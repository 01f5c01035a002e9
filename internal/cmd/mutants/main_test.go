package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseParts(t *testing.T) {
	tests := []struct {
		in      string
		want    map[string]int
		wantErr bool
	}{
		{"", map[string]int{}, false},
		{"rust=3", map[string]int{"rust": 3}, false},
		{"rust=3, java=2", map[string]int{"rust": 3, "java": 2}, false},
		{"rust", nil, true},
		{"rust=0", nil, true},
		{"rust=x", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseParts(tt.in)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}
