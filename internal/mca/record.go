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

package mca

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// The rules of AttestationRecords: their names, the digest that chains them, their retention, and
// what of a request body they may hold. `kubectl mca audit verify` recomputes digests with
// RecordDigest.

// RecordName is the name of record number sequence of the PartnerTenant named partnerTenant:
// "atr-", the first 12 hex digits of the SHA-256 of the name, "-" and the sequence in 10 digits,
// so that a chain's names sort in its order and any PartnerTenant name fits.
func RecordName(partnerTenant string, sequence int64) string {
	sum := sha256.Sum256([]byte(partnerTenant))
	return fmt.Sprintf("atr-%s-%010d", hex.EncodeToString(sum[:])[:12], sequence)
}

// recordEncodingVersion opens the canonical encoding: a change of the encoding changes it.
const recordEncodingVersion = "mca-attestation-record/v1"

// RecordDigest is the digest of a record: "sha256:" and the hex SHA-256 of the canonical encoding
// of its spec (CanonicalRecordSpec).
func RecordDigest(spec *v1alpha1.AttestationRecordSpec) string {
	sum := sha256.Sum256(CanonicalRecordSpec(spec))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// CanonicalRecordSpec encodes a record's spec the one way its digest is computed: a first line
// "mca-attestation-record/v1", then one line per field, in this order, "<path>=<value>\n", every
// field present (an absent one as ""), then the fields added since, only when set
// (approvalRequired=true, then requestedBy.gitOps's five fields): strings as JSON strings (encoding/json, without HTML escaping),
// integers in decimal, retainUntil as RFC 3339 in UTC to the second (as the API server stores
// it). A hand-written encoding: a JSON object's key order and omitted fields would depend
// on the encoder.
func CanonicalRecordSpec(s *v1alpha1.AttestationRecordSpec) []byte {
	var b bytes.Buffer
	b.WriteString(recordEncodingVersion + "\n")
	str := func(path, v string) {
		b.WriteString(path + "=")
		b.Write(jsonString(v))
		b.WriteByte('\n')
	}
	num := func(path string, v int64) { b.WriteString(path + "=" + strconv.FormatInt(v, 10) + "\n") }
	var prev v1alpha1.RecordLink
	if s.Previous != nil {
		prev = *s.Previous
	}
	str("partnerTenant.name", s.PartnerTenant.Name)
	str("partnerTenant.tenantId", s.PartnerTenant.TenantID)
	str("customerTenantId", s.CustomerTenantID)
	str("customerAgreement.namespace", s.CustomerAgreement.Namespace)
	str("customerAgreement.name", s.CustomerAgreement.Name)
	str("customerAgreement.uid", s.CustomerAgreement.UID)
	num("customerAgreement.generation", s.CustomerAgreement.Generation)
	str("act", string(s.Act))
	str("requestId", s.RequestID)
	str("requestBody", s.RequestBody)
	str("requestBodySHA256", s.RequestBodySHA256)
	str("requestedBy.username", s.RequestedBy.Username)
	str("requestedBy.uid", s.RequestedBy.UID)
	str("requestedBy.fieldManager", s.RequestedBy.FieldManager)
	num("sequence", s.Sequence)
	str("previous.name", prev.Name)
	str("previous.digest", prev.Digest)
	str("retainUntil", s.RetainUntil.UTC().Truncate(time.Second).Format(time.RFC3339))
	// Fields added after v1 follow, each only when set: a record without them keeps its digest.
	if s.ApprovalRequired {
		b.WriteString("approvalRequired=true\n")
	}
	if g := s.RequestedBy.GitOps; g != nil {
		str("requestedBy.gitOps.tool", string(g.Tool))
		str("requestedBy.gitOps.kind", g.Kind)
		str("requestedBy.gitOps.namespace", g.Namespace)
		str("requestedBy.gitOps.name", g.Name)
		str("requestedBy.gitOps.revision", g.Revision)
	}
	return b.Bytes()
}

func jsonString(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// RetainUntil is when a record of an act made at actedAt may be deleted: actedAt plus the
// PartnerTenant's retention, seven years when it sets none. Truncated to the second, as the API
// server stores a time.
func RetainUntil(actedAt time.Time, retention time.Duration) time.Time {
	if retention <= 0 {
		retention = v1alpha1.DefaultRecordRetention
	}
	return actedAt.Add(retention).UTC().Truncate(time.Second)
}

// RedactAttestationID returns body with every JSON string equal to the attestation id replaced by
// the id's handle (v1alpha1.AttestationHandle): the id is a credential, and a record keeps the
// body. The other bytes are kept as they were sent. It fails when the id still appears in the
// result (written some other way), so that a record never holds it.
func RedactAttestationID(body []byte, id string) ([]byte, error) {
	if id == "" {
		return body, nil
	}
	out := bytes.ReplaceAll(body, jsonString(id), jsonString(v1alpha1.AttestationHandle(id)))
	if bytes.Contains(out, []byte(id)) {
		return nil, errors.New("the request body holds the attestation id in a form the record cannot redact")
	}
	return out, nil
}

// ChainHead finds the last record of a chain whose sequences are contiguous from 1 (or from the
// first record kept): exists says whether the record of a sequence exists, from is a sequence
// known to exist (0: none known). It probes from+1, from+2, from+4 ... until one is missing, then
// bisects: O(log n) probes, without listing the records. It returns the last sequence that
// exists (from when from+1 does not).
func ChainHead(from int64, exists func(int64) (bool, error)) (int64, error) {
	lo, step := from, int64(1)
	var hi int64
	for {
		ok, err := exists(lo + step)
		if err != nil {
			return 0, err
		}
		if !ok {
			hi = lo + step
			break
		}
		lo += step
		step *= 2
	}
	// lo exists (or is from), hi does not.
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		ok, err := exists(mid)
		if err != nil {
			return 0, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo, nil
}

// RecordOutcome is what a record says of an answer of HTTP status httpStatus (0: none came):
// Succeeded for a 2xx; Refused for a refusal Partner Center made on the request's merits (any
// other 4xx); Unknown for no answer, a redirect, 401, 408, 429 or a 5xx, after which the request
// was not acted on or may have been, and a retry with the same MS-RequestId completes the record.
func RecordOutcome(httpStatus int) v1alpha1.RecordOutcome {
	switch {
	case httpStatus >= 200 && httpStatus < 300:
		return v1alpha1.OutcomeSucceeded
	case httpStatus == 401 || httpStatus == 408 || httpStatus == 429:
		return v1alpha1.OutcomeUnknown
	case httpStatus >= 400 && httpStatus < 500:
		return v1alpha1.OutcomeRefused
	}
	return v1alpha1.OutcomeUnknown
}

// SpecManager is the field manager that last set an object's spec: of the managedFields entries
// of the main resource (not a subresource) that own a field of spec, the latest.
func SpecManager(entries []metav1.ManagedFieldsEntry) string {
	var who string
	var at time.Time
	for _, e := range entries {
		if e.Subresource != "" || e.FieldsV1 == nil {
			continue
		}
		var top map[string]json.RawMessage
		if json.Unmarshal(e.FieldsV1.GetRawBytes(), &top) != nil {
			continue
		}
		if _, ok := top["f:spec"]; !ok {
			continue
		}
		var t time.Time
		if e.Time != nil {
			t = e.Time.Time
		}
		if who == "" || !t.Before(at) {
			who, at = e.Manager, t
		}
	}
	return who
}
