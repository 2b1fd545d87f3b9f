/**
 * A small Java API over Spark's barrier execution mode, with no Ray in it: {@code BarrierStage}
 * runs a function as the tasks of one barrier stage, {@code BarrierTask} gives each task its rank,
 * {@code allGather} and {@code barrier}; {@code TaskSlots} checks up front that the application has
 * the slots a stage needs; {@code TaskChannel} carries messages between the driver and the tasks of
 * a long stage; {@code LocalCluster} sets up Spark's {@code local-cluster} master for a Maven-built
 * application.
 */
package dev.orca.launcher.barrier;
