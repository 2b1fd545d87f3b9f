/**
 * What every Orca module shares and that needs nothing native, Spark or Ray: the deserialization
 * allow-list ({@code Serialization}), the proof of a shared job secret that the ring and the task
 * channel use ({@code ChallengeResponse}), warnings a stranger cannot turn into a flood ({@code
 * RepeatedWarnings}), and the JVM flags Spark, Arrow and Ray need on JDK 17 ({@code JvmOptions}).
 * The exception hierarchy is in {@code dev.orca}.
 */
package dev.orca.common;
