package dev.orca.context;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaException;
import dev.orca.launcher.barrier.BarrierStage;
import dev.orca.launcher.ray.RayMode;
import io.ray.api.ActorHandle;
import io.ray.api.Ray;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OrcaContextTest {
  @AfterEach
  void noContextLeftActive() {
    OrcaContext.active().ifPresent(OrcaContext::stop);
  }

  /** A small actor to prove Ray works through the context. */
  public static class Doubler {
    public int twice(int x) {
      return 2 * x;
    }
  }

  @Test
  void noArgumentsMeansEmbeddedSparkAndLazyLocalRay() {
    try (OrcaContext orca = OrcaContext.init()) {
      assertSame(orca, OrcaContext.get());
      assertEquals(ClusterMode.LOCAL, orca.mode());
      assertEquals("local[*]", orca.spark().sparkContext().master());
      assertEquals(1, orca.numNodes());
      assertEquals(Runtime.getRuntime().availableProcessors(), orca.coresPerNode());
      assertEquals(10, orca.spark().range(10).count());
      assertFalse(orca.isRayStarted(), "Ray starts only when something needs it");
      assertEquals(RayMode.LOCAL, orca.ray().mode());
      ActorHandle<Doubler> doubler = Ray.actor(Doubler::new).remote();
      assertEquals(42, doubler.task(Doubler::twice, 21).remote().get());
      assertTrue(orca.isRayStarted());
    }
    assertTrue(OrcaContext.active().isEmpty());
    assertFalse(Ray.isInitialized(), "stop() stops Ray");
  }

  @Test
  void initUnderSparkSubmitsSystemPropertiesStartsWithSparkSubmitsMaster() {
    // what spark-submit hands the program it launches (here: --master local[2] --name submitted)
    System.setProperty("spark.master", "local[2]");
    System.setProperty("spark.app.name", "submitted");
    try (OrcaContext orca = OrcaContext.init()) {
      assertEquals(ClusterMode.SPARK_SUBMIT, orca.mode());
      assertEquals("local[2]", orca.spark().sparkContext().master());
      assertEquals("submitted", orca.spark().sparkContext().appName());
      assertEquals(2, orca.coresPerNode());
    } finally {
      System.clearProperty("spark.master");
      System.clearProperty("spark.app.name");
    }
  }

  @Test
  void stopIsIdempotentAndAStoppedContextSaysHowToGoOn() {
    OrcaContext orca = OrcaContext.init();
    orca.stop();
    orca.stop();
    assertTrue(orca.isStopped());
    OrcaException e = assertThrows(OrcaException.class, orca::spark);
    assertTrue(e.getMessage().contains("OrcaContext.init()"), e.getMessage());
    OrcaException none = assertThrows(OrcaException.class, OrcaContext::get);
    assertTrue(none.getMessage().contains("No OrcaContext is active"), none.getMessage());
  }

  @Test
  void aSecondContextWhileOneIsActiveIsRefused() {
    try (OrcaContext orca = OrcaContext.init()) {
      OrcaException e = assertThrows(OrcaException.class, OrcaContext::init);
      assertTrue(
          e.getMessage().contains("already active") && e.getMessage().contains("OrcaContext.get()"),
          e.getMessage());
      assertSame(orca, OrcaContext.get());
    }
  }

  @Test
  void reusesARunningSparkSessionAndLeavesItRunning() {
    SparkSession mine =
        SparkSession.builder().master("local[2]").appName("users-own").getOrCreate();
    try {
      try (OrcaContext orca = OrcaContext.builder().cores(1).start()) {
        assertSame(mine, orca.spark());
        assertEquals("local[2]", orca.spark().sparkContext().master());
      }
      assertFalse(
          mine.sparkContext().isStopped(), "the user's session must survive OrcaContext.stop()");
      assertEquals(5, mine.range(5).count());
    } finally {
      mine.stop();
    }
  }

  @Test
  void localCoresSetSparksThreads() {
    try (OrcaContext orca = OrcaContext.builder().cores(2).appName("two-threads").start()) {
      assertEquals("local[2]", orca.spark().sparkContext().master());
      assertEquals("two-threads", orca.spark().sparkContext().appName());
      assertEquals(2, orca.coresPerNode());
      List<Integer> ids =
          BarrierStage.run(
              orca.sparkContext(), 2, (task, p) -> List.of(task.partitionId()).iterator());
      assertEquals(List.of(0, 1), ids);
    }
  }
}
