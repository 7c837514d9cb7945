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

package main

import (
	"fmt"
	"os"
)

// countShardWrites stops the managers of a run with several shards and reports each: its
// customers, its peak RSS and its writes from the API server's audit log, those for another
// shard's PartnerTenant apart.
func (p *scalePhase) countShardWrites() error {
	p.stopManagers()
	users, owners, customers := map[string]string{}, map[string]string{}, map[string]int{}
	for _, m := range p.mgrs {
		t := benchTenant(m.shard)
		users[shardUser(t)] = t.name
	}
	for _, c := range p.cs[:p.res.Customers] {
		t := benchTenant(c.shard).name
		owners[customerNamespace+"/"+c.name] = t
		customers[t]++
	}
	f, err := os.Open(p.st.cp.auditLog)
	if err != nil {
		return err
	}
	defer f.Close()
	writes, err := attributeWrites(f, users, owners)
	if err != nil {
		return err
	}
	for _, m := range p.mgrs {
		t := benchTenant(m.shard).name
		// Each customer converged by a status write of its shard's manager: fewer means the
		// attribution lost writes.
		if writes[t].own < customers[t] {
			return fmt.Errorf("the audit log %s attributes %d writes to the manager of %s for its %d customers: fewer than one each",
				p.st.cp.auditLog, writes[t].own, t, customers[t])
		}
		sm := ShardManager{PartnerTenant: t, Customers: customers[t], PeakRSSMiB: round(float64(m.peakRSSKiB)/1024, 1), HeapLiveMiB: m.heapLiveMiB,
			Writes: writes[t].all, WritesForOtherTenants: writes[t].forOthers, ManagerLog: m.logPath}
		p.res.ShardManagers = append(p.res.ShardManagers, sm)
		logf("%s: the manager of %s (%d customers): peak RSS %.1f MiB, live heap %.1f MiB, %d writes, %d of them for another shard's PartnerTenant",
			p.label, t, sm.Customers, sm.PeakRSSMiB, sm.HeapLiveMiB, sm.Writes, sm.WritesForOtherTenants)
	}
	return nil
}
