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
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/mca-operator/mca-operator/api/v1alpha1"
)

// The rules of `kubectl mca audit verify`: what a PartnerTenant's chain of AttestationRecords must
// look like, and what is wrong when it does not.

// ChainEntry is what verifying a chain needs of one record (a few hundred bytes, so that a long
// chain fits in memory).
type ChainEntry struct {
	// Name of the record.
	Name string
	// PartnerTenant is spec.partnerTenant.name.
	PartnerTenant string
	Sequence      int64
	// Digest is RecordDigest of the spec as it is now.
	Digest   string
	Previous *v1alpha1.RecordLink
	// Created is the record's creationTimestamp (zero: unknown). The API server sets it; the
	// writer creates a chain's records one after the other.
	Created time.Time
}

// ChainEntryOf reduces a record to its ChainEntry.
func ChainEntryOf(rec *v1alpha1.AttestationRecord) ChainEntry {
	e := ChainEntry{Name: rec.Name, PartnerTenant: rec.Spec.PartnerTenant.Name, Sequence: rec.Spec.Sequence,
		Digest: RecordDigest(&rec.Spec), Created: rec.CreationTimestamp.Time}
	if rec.Spec.Previous != nil {
		p := *rec.Spec.Previous
		e.Previous = &p
	}
	return e
}

// ChainFindingKind says what is wrong with a chain, or (Pruned) what it lacks by design.
type ChainFindingKind string

const (
	// FindingMissing: a record of the chain is gone (a sequence with no record).
	FindingMissing ChainFindingKind = "Missing"
	// FindingAltered: a record no longer has the digest its successor recorded, or does not
	// belong where it is.
	FindingAltered ChainFindingKind = "Altered"
	// FindingOutOfOrder: a record is not where its sequence puts it (named for another
	// sequence, a sequence held twice, a link to another record than its predecessor, or created
	// before its predecessor).
	FindingOutOfOrder ChainFindingKind = "OutOfOrder"
	// FindingPruned: the chain starts after sequence 1: its oldest records were deleted, which the
	// retention policy allows once their retention ended. Not a fault by itself.
	FindingPruned ChainFindingKind = "Pruned"
)

// ChainFinding is one thing VerifyChain reports.
type ChainFinding struct {
	Kind ChainFindingKind `json:"kind"`
	// Record is the record concerned (for Missing, the name the missing record would have).
	Record   string `json:"record"`
	Sequence int64  `json:"sequence"`
	Detail   string `json:"detail"`
}

// IsFault says whether a finding makes the chain fail verification.
func (f ChainFinding) IsFault() bool { return f.Kind != FindingPruned }

// maxMissingListed bounds the Missing findings of one gap: a larger gap is one finding.
const maxMissingListed = 5

// VerifyChain checks the records of PartnerTenant partnerTenant, given in any order: sequences
// contiguous from the first record kept, each record named for its sequence (RecordName) and
// belonging to partnerTenant, each record after the first naming its predecessor and the digest
// the predecessor has now, and no record created before its predecessor. A chain starting after
// sequence 1 is Pruned (the oldest records were deleted once their retention ended); a record
// deleted at the head shows once the next record names it.
func VerifyChain(partnerTenant string, entries []ChainEntry) []ChainFinding {
	es := slices.Clone(entries)
	named := func(e ChainEntry) int { // the record named for its sequence first
		if e.Name == RecordName(partnerTenant, e.Sequence) {
			return 0
		}
		return 1
	}
	slices.SortFunc(es, func(a, b ChainEntry) int {
		return cmp.Or(cmp.Compare(a.Sequence, b.Sequence), cmp.Compare(named(a), named(b)), cmp.Compare(a.Name, b.Name))
	})
	var out []ChainFinding
	var prev *ChainEntry
	for i := range es {
		e := &es[i]
		out = append(out, placement(partnerTenant, e)...)
		switch {
		case prev == nil:
			out = append(out, chainStart(e)...)
		case e.Sequence == prev.Sequence:
			// The second holder of a sequence: its successor is checked against the first.
			out = append(out, ChainFinding{Kind: FindingOutOfOrder, Record: e.Name, Sequence: e.Sequence,
				Detail: fmt.Sprintf("sequence %d is held by %s too", e.Sequence, prev.Name)})
			continue
		default:
			out = append(out, link(partnerTenant, prev, e)...)
		}
		prev = e
	}
	return out
}

// placement checks that e belongs to partnerTenant and is named for its sequence.
func placement(partnerTenant string, e *ChainEntry) []ChainFinding {
	var out []ChainFinding
	if e.PartnerTenant != partnerTenant {
		out = append(out, ChainFinding{Kind: FindingAltered, Record: e.Name, Sequence: e.Sequence,
			Detail: fmt.Sprintf("its spec names PartnerTenant %q, its label %q", e.PartnerTenant, partnerTenant)})
	}
	if want := RecordName(partnerTenant, e.Sequence); e.Name != want {
		out = append(out, ChainFinding{Kind: FindingOutOfOrder, Record: e.Name, Sequence: e.Sequence,
			Detail: fmt.Sprintf("it holds sequence %d, whose record is named %s", e.Sequence, want)})
	}
	return out
}

// chainStart checks the first record kept.
func chainStart(e *ChainEntry) []ChainFinding {
	switch {
	case e.Sequence > 1:
		return []ChainFinding{{Kind: FindingPruned, Record: e.Name, Sequence: e.Sequence,
			Detail: fmt.Sprintf("the chain starts at sequence %d: records 1 to %d were deleted (allowed once their retention ended)", e.Sequence, e.Sequence-1)}}
	case e.Previous != nil:
		return []ChainFinding{{Kind: FindingAltered, Record: e.Name, Sequence: e.Sequence,
			Detail: fmt.Sprintf("the first record names a previous record, %s", e.Previous.Name)}}
	}
	return nil
}

// link checks cur against its predecessor prev in sequence order.
func link(partnerTenant string, prev, cur *ChainEntry) []ChainFinding {
	var out []ChainFinding
	if cur.Sequence > prev.Sequence+1 {
		out = append(out, gap(partnerTenant, prev.Sequence+1, cur.Sequence-1)...)
	}
	if cur.Previous == nil {
		return append(out, ChainFinding{Kind: FindingAltered, Record: cur.Name, Sequence: cur.Sequence,
			Detail: "it names no previous record"})
	}
	if cur.Sequence != prev.Sequence+1 {
		return out // its predecessor is missing: reported above
	}
	if cur.Previous.Name != prev.Name {
		out = append(out, ChainFinding{Kind: FindingOutOfOrder, Record: cur.Name, Sequence: cur.Sequence,
			Detail: fmt.Sprintf("it names %s as its previous record, not %s", cur.Previous.Name, prev.Name)})
	} else if cur.Previous.Digest != prev.Digest {
		out = append(out, ChainFinding{Kind: FindingAltered, Record: prev.Name, Sequence: prev.Sequence,
			Detail: fmt.Sprintf("its digest is %s; %s recorded %s", prev.Digest, cur.Name, cur.Previous.Digest)})
	}
	if !prev.Created.IsZero() && !cur.Created.IsZero() && cur.Created.Before(prev.Created) {
		out = append(out, ChainFinding{Kind: FindingOutOfOrder, Record: cur.Name, Sequence: cur.Sequence,
			Detail: fmt.Sprintf("it was created at %s, before its previous record (%s)", cur.Created.UTC().Format(time.RFC3339), prev.Created.UTC().Format(time.RFC3339))})
	}
	return out
}

// gap reports the sequences from to to (inclusive) as missing: one finding each, or one for the
// whole gap when it is longer than maxMissingListed.
func gap(partnerTenant string, from, to int64) []ChainFinding {
	if to-from+1 > maxMissingListed {
		return []ChainFinding{{Kind: FindingMissing, Record: RecordName(partnerTenant, from), Sequence: from,
			Detail: fmt.Sprintf("records %d to %d are missing (%d records)", from, to, to-from+1)}}
	}
	out := make([]ChainFinding, 0, to-from+1)
	for s := from; s <= to; s++ {
		out = append(out, ChainFinding{Kind: FindingMissing, Record: RecordName(partnerTenant, s), Sequence: s,
			Detail: fmt.Sprintf("record %d is missing", s)})
	}
	return out
}
