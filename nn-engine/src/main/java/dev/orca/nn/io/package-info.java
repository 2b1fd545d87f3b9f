/**
 * The model file (see {@code nn-engine/MODEL_FORMAT.md}): versioned, checksummed, stream-friendly.
 */
package dev.orca.nn.io;
