/*
Copyright 2026 The mca-operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// Only records Unknown for more than an hour count; a completed one is forgotten; a partner
// tenant whose records are all young reports 0 (so that the alert's series exists).
func TestUnknownRecordTracker(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tr := NewUnknownRecordTracker(func() time.Time { return now })
	reg := prometheus.NewRegistry()
	reg.MustRegister(tr)
	tr.Unknown("atr-a-1", "prod", now.Add(-2*time.Hour))
	tr.Unknown("atr-a-2", "prod", now.Add(-time.Hour))
	tr.Unknown("atr-a-3", "prod", now.Add(-59*time.Minute))
	tr.Unknown("atr-a-4", "prod", now.Add(-3*time.Hour))
	tr.Known("atr-a-4")
	tr.Unknown("atr-b-1", "sandbox", now.Add(-time.Minute))
	want := `
# HELP mca_attestation_records_unknown AttestationRecords whose outcome has been Unknown for more than an hour (no answer known for a write to Partner Center), by partner tenant.
# TYPE mca_attestation_records_unknown gauge
mca_attestation_records_unknown{partner_tenant="prod"} 2
mca_attestation_records_unknown{partner_tenant="sandbox"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Fatal(err)
	}
}
