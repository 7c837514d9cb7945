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

// Command kubectl-mca is a kubectl plugin for mca-operator: it imports a partner's existing
// customers from Partner Center into CustomerAgreement manifests for Git, shows the fleet's MCA
// standing at a glance, lists pending acceptance links, pauses, resumes and re-triggers
// reconciles, probes a Partner Center tenant (the integration sandbox) against the shapes the
// operator models, verifies, exports and reconciles the AttestationRecords (audit), and lists the
// acts awaiting approval and records a second person's decision on one (pending, approve, deny).
//
// Install it on the PATH as kubectl-mca (go install ./cmd/kubectl-mca, or the krew manifest in
// plugins/) and run `kubectl mca --help`.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCmd(ctx, defaultStreams()).Execute()
	stop()
	if err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// exitError ends the plugin with a code and no further message (the command printed it).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }
