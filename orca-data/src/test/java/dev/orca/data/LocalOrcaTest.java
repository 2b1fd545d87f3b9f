package dev.orca.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.orca.arrow.ArrowMemory;
import dev.orca.context.OrcaContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * An embedded OrcaContext (Spark local[2]) per test class; after each test no Arrow memory is held.
 */
abstract class LocalOrcaTest {
  static OrcaContext orca;

  @BeforeAll
  static void startOrca() {
    orca = OrcaContext.builder().cores(2).start();
  }

  @AfterAll
  static void stopOrca() {
    orca.stop();
  }

  @AfterEach
  void noArrowMemoryIsHeld() {
    assertEquals(0, ArrowMemory.allocatedBytes(), ArrowMemory.describe());
  }

  static SparkSession spark() {
    return orca.spark();
  }
}
