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

package partnercenter

import "context"

// RequestIDOf returns the MS-RequestId that opts set ("" when none does), so that callers and
// fakes of the client can see which request id an operation carries.
func RequestIDOf(opts ...CallOption) string {
	return applyOptions(opts).requestID
}

// RunBeforeSend runs the check a call's options carry (nil when there is none), as the client
// does before sending: for stand-ins of the client in tests.
func RunBeforeSend(ctx context.Context, opts ...CallOption) error {
	if check := applyOptions(opts).beforeSend; check != nil {
		return check(ctx)
	}
	return nil
}
