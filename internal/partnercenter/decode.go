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

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// wireTime reads ISO 8601 timestamps; one without a zone suffix is UTC.
type wireTime struct{ t time.Time }

var zonelessLayouts = []string{
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02",
}

func parseWireTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	for _, l := range zonelessLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t, nil
		}
	}
	if len(s) > 40 {
		// Not cut: the caller redacts whole texts only.
		return time.Time{}, fmt.Errorf("unrecognised timestamp of %d characters", len(s))
	}
	return time.Time{}, fmt.Errorf("unrecognised timestamp %q", s)
}

func (w *wireTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	t, err := parseWireTime(s)
	if err != nil {
		return err
	}
	w.t = t
	return nil
}

func (w wireTime) MarshalJSON() ([]byte, error) {
	return json.Marshal(formatWireTime(w.t))
}

func (w *wireTime) time() time.Time {
	if w == nil {
		return time.Time{}
	}
	return w.t
}

// flexString accepts a JSON string, number, boolean or null and keeps its
// text: Partner Center sends `code` both as a number and as a string.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		*f = ""
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(strings.TrimSpace(s))
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err == nil {
		// Normalise 600061.0 / 6.00061e5 to 600061.
		if i, err := n.Int64(); err == nil {
			*f = flexString(strconv.FormatInt(i, 10))
			return nil
		}
		if fl, err := n.Float64(); err == nil && fl == float64(int64(fl)) {
			*f = flexString(strconv.FormatInt(int64(fl), 10))
			return nil
		}
		*f = flexString(n.String())
		return nil
	}
	var v bool
	if err := json.Unmarshal(b, &v); err == nil {
		*f = flexString(strconv.FormatBool(v))
		return nil
	}
	return fmt.Errorf("code is neither string nor number")
}

// decodeCollection accepts both {"totalCount":N,"items":[...],...} and a bare
// JSON array. links and attributes are optional and ignored.
func decodeCollection[T any](b []byte) ([]T, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, errors.New("empty body where a collection was expected")
	}
	switch b[0] {
	case '[':
		var items []T
		if err := json.Unmarshal(b, &items); err != nil {
			return nil, fmt.Errorf("decoding collection array: %w", err)
		}
		return items, nil
	case '{':
		var c struct {
			TotalCount *int             `json:"totalCount"`
			Items      *json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, fmt.Errorf("decoding collection: %w", err)
		}
		if c.Items == nil {
			if c.TotalCount != nil && *c.TotalCount == 0 {
				return nil, nil
			}
			return nil, errors.New("collection without items")
		}
		var items []T
		if err := json.Unmarshal(*c.Items, &items); err != nil {
			return nil, fmt.Errorf("decoding collection items: %w", err)
		}
		return items, nil
	default:
		return nil, errors.New("body is not a JSON collection")
	}
}

type contactWire struct {
	FirstName   string `json:"firstName"`
	LastName    string `json:"lastName"`
	Email       string `json:"email"`
	PhoneNumber string `json:"phoneNumber,omitempty"`
}

func (c contactWire) contact() Contact {
	return Contact(c)
}

func contactToWire(c Contact) contactWire {
	return contactWire(c)
}

// agreementWire is the documented agreement record (§3.2, §4.2).
type agreementWire struct {
	PrimaryContact *contactWire `json:"primaryContact,omitempty"`
	TemplateID     string       `json:"templateId"`
	DateAgreed     *wireTime    `json:"dateAgreed,omitempty"`
	Type           string       `json:"type"`
	AgreementLink  string       `json:"agreementLink,omitempty"`
	UserID         *string      `json:"userId,omitempty"`
}

func (w agreementWire) agreement() Agreement {
	a := Agreement{TemplateID: w.TemplateID, Type: w.Type, AgreementLink: w.AgreementLink, DateAgreed: w.DateAgreed.time()}
	if w.PrimaryContact != nil {
		a.PrimaryContact = w.PrimaryContact.contact()
	}
	if w.UserID != nil {
		a.UserID = *w.UserID
	}
	return a
}

func decodeAgreement(b []byte) (Agreement, error) {
	var w agreementWire
	if err := json.Unmarshal(b, &w); err != nil {
		return Agreement{}, err
	}
	return w.agreement(), nil
}

func decodeAgreements(b []byte) ([]Agreement, error) {
	ws, err := decodeCollection[agreementWire](b)
	if err != nil {
		return nil, err
	}
	out := make([]Agreement, 0, len(ws))
	for _, w := range ws {
		out = append(out, w.agreement())
	}
	return out, nil
}

// metadataWire: the type field is documented as agreementType, but some
// answers name it type.
type metadataWire struct {
	TemplateID    string `json:"templateId"`
	AgreementType string `json:"agreementType"`
	Type          string `json:"type"`
	AgreementLink string `json:"agreementLink"`
	VersionRank   *int   `json:"versionRank"`
}

func (w metadataWire) metadata() AgreementMetadata {
	m := AgreementMetadata{TemplateID: w.TemplateID, AgreementType: w.AgreementType, AgreementLink: w.AgreementLink}
	if m.AgreementType == "" {
		m.AgreementType = w.Type
	}
	if w.VersionRank != nil {
		m.VersionRank = *w.VersionRank
	}
	return m
}

func decodeMetadata(b []byte) ([]AgreementMetadata, error) {
	ws, err := decodeCollection[metadataWire](b)
	if err != nil {
		return nil, err
	}
	out := make([]AgreementMetadata, 0, len(ws))
	for _, w := range ws {
		out = append(out, w.metadata())
	}
	return out, nil
}

type documentWire struct {
	DisplayURI  string `json:"displayUri"`
	DownloadURI string `json:"downloadUri"`
	Language    string `json:"language"`
	Country     string `json:"country"`
}

// errorBody covers both documented error shapes (§1) plus the token
// endpoint's OAuth error and the 429 body.
type errorBody struct {
	Code        flexString `json:"code"`
	Description string     `json:"description"`
	Message     string     `json:"message"`
	ErrorName   string     `json:"errorName"`
	IsRetryable *bool      `json:"isRetryable"`
	// OAuth (token endpoint)
	OAuthError       string       `json:"error"`
	OAuthDescription string       `json:"error_description"`
	OAuthErrorCodes  []flexString `json:"error_codes"`
	// 429 body
	StatusCode flexString `json:"statusCode"`
}

// decodeErrorBody is tolerant: an unparseable body yields an empty errorBody
// and ok=false, never an error, because the status code still classifies.
func decodeErrorBody(b []byte) (eb errorBody) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return errorBody{}
	}
	if err := json.Unmarshal(b, &eb); err != nil {
		// Retry field by field so that one bad field does not hide the code.
		var loose map[string]json.RawMessage
		if json.Unmarshal(b, &loose) != nil {
			return errorBody{}
		}
		eb = errorBody{}
		for k, v := range loose {
			switch k {
			case "code":
				_ = eb.Code.UnmarshalJSON(v)
			case "errorName":
				_ = json.Unmarshal(v, &eb.ErrorName)
			case "description":
				_ = json.Unmarshal(v, &eb.Description)
			case "message":
				_ = json.Unmarshal(v, &eb.Message)
			case "error":
				_ = json.Unmarshal(v, &eb.OAuthError)
			}
		}
	}
	return eb
}

func (eb errorBody) text() string {
	switch {
	case eb.Description != "":
		return eb.Description
	case eb.Message != "":
		return eb.Message
	default:
		return eb.OAuthDescription
	}
}

// tokenAnswer is the v1 token endpoint's answer (§2). expires_in arrives as
// a string on this endpoint; numbers are accepted too.
type tokenAnswer struct {
	TokenType    string     `json:"token_type"`
	AccessToken  string     `json:"access_token"`
	ExpiresIn    flexString `json:"expires_in"`
	ExpiresOn    flexString `json:"expires_on"`
	RefreshToken string     `json:"refresh_token"`
}

const defaultTokenLifetime = 5 * time.Minute

// decodeTokenAnswer returns the answer and its lifetime. It never puts token
// material into an error.
func decodeTokenAnswer(b []byte) (tokenAnswer, time.Duration, error) {
	var ta tokenAnswer
	if err := json.Unmarshal(b, &ta); err != nil {
		return tokenAnswer{}, 0, errors.New("token answer is not valid JSON")
	}
	if ta.AccessToken == "" {
		return tokenAnswer{}, 0, errors.New("token answer has no access_token")
	}
	if ta.TokenType != "" && !strings.EqualFold(ta.TokenType, "Bearer") {
		return tokenAnswer{}, 0, errors.New("token answer has an unsupported token_type")
	}
	lifetime := defaultTokenLifetime
	if ta.ExpiresIn != "" {
		n, err := strconv.ParseFloat(string(ta.ExpiresIn), 64)
		if err != nil || n < 0 || n > 10*365*24*3600 {
			return tokenAnswer{}, 0, errors.New("token answer has an invalid expires_in")
		}
		lifetime = time.Duration(n * float64(time.Second))
	}
	return ta, lifetime, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
