package partnercenter

// RequestIDOf returns the MS-RequestId that opts set ("" when none does), so that callers and
// fakes of the client can see which request id an operation carries.
func RequestIDOf(opts ...CallOption) string {
	return applyOptions(opts).requestID
}
