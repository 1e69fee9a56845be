// Package storage owns the durable state of Durable Objects: one SQLite
// database per object (zombiezen.com/go/sqlite on modernc.org/sqlite), the
// KV API and SQL API on top of it with workerd's limits and error texts, the
// implicit-transaction commit path with changeset capture, per-object alarms
// and the root alarm index, and a Store that bounds how many databases are
// open at once.
//
// It knows nothing about JavaScript: values arrive already serialized as
// []byte and errors that tenant code may see are *Error values whose Name and
// Message the JS bridge turns into exceptions. It must not import the engine,
// the actor layer or anything that runs tenant code.
//
// On-disk layout and the backup story are in docs/storage.md.
package storage
