/**
 * What every Orca module shares and that needs nothing native, Spark or Ray: the deserialization
 * allow-list ({@code Serialization}) and the JVM flags Spark, Arrow and Ray need on JDK 17 ({@code
 * JvmOptions}). The exception hierarchy is in {@code dev.orca}.
 */
package dev.orca.common;
