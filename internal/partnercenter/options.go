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

// Sending is a write about to be sent, as a RecordBody hook sees it.
type Sending struct {
	// Operation is the operation's name (OpStartEnhancedAttestation ...).
	Operation string
	// Body is the request body, byte for byte as it is sent.
	Body []byte
	// RequestID and CorrelationID are the MS-RequestId and MS-CorrelationId the call carries.
	RequestID     string
	CorrelationID string
	// StatusCode is set by the client once the call ends: the HTTP status of the answer that
	// ended it, 0 when none came (a transport failure).
	StatusCode int
}

// RecordBody has record run once per call, just before its first attempt is sent: after the
// call's turn in the tenant's rate limiter, its token and its BeforeSend check. An error from
// record ends the call unsent and is returned as it is. The controller records there, durably,
// what it is about to send; the same *Sending then receives the answer's status.
func RecordBody(record func(ctx context.Context, s *Sending) error) CallOption {
	return func(o *callOptions) { o.record = record }
}

// RunRecordBody runs the hook of RecordBody that opts carry, for the write op with body, as the
// client does just before its first attempt: for stand-ins of the client in tests. It returns
// what the hook saw (nil when opts carry none), whose StatusCode the stand-in sets.
func RunRecordBody(ctx context.Context, op string, body []byte, opts ...CallOption) (*Sending, error) {
	o := applyOptions(opts)
	if o.record == nil {
		return nil, nil
	}
	s := &Sending{Operation: op, Body: body, RequestID: o.requestID, CorrelationID: o.correlationID}
	if s.CorrelationID == "" {
		s.CorrelationID = "correlation-" + o.requestID
	}
	return s, o.record(ctx, s)
}
