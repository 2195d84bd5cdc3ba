"""The Open Referral HSDS 3.x API for integrators: `router` (routes and query parameters),
`queries` (filters, pages and batches in SQL) and `rendering` (stored documents to HSDS records,
redacted on every path out)."""
