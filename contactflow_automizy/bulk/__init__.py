"""Bulk work: transactional customer batches, streamed CSV imports, concurrent mapping."""
