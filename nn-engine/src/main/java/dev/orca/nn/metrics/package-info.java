/**
 * Metrics whose state is a small array of doubles that workers can sum element-wise before {@link
 * dev.orca.nn.metrics.Metric#result(double[])}.
 */
package dev.orca.nn.metrics;
