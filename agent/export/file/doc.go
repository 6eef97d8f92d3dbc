// Package file exports flow records as JSON lines, the flow.Record schema
// one object per line, into a file it rotates by size: when the next batch
// would take the file past MaxSize it is renamed to path.1 (path.1 to
// path.2, and so on) and a new file is started; at most MaxBackups old
// files are kept. Files are created readable by their owner only.
//
// Export writes synchronously: a local file is the one destination that
// needs no buffer. A failed write drops (and counts) the batch.
package file
