/** Losses: mean squared error, binary and sparse categorical cross-entropy (stable from logits). */
package dev.orca.nn.losses;
