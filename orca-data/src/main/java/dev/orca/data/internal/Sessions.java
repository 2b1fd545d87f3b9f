package dev.orca.data.internal;

import dev.orca.OrcaException;
import dev.orca.context.OrcaContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/** The SparkSession XShards run on: the active OrcaContext's, else Spark's active session. */
public final class Sessions {
  private Sessions() {}

  public static SparkSession spark() {
    return OrcaContext.active()
        .map(OrcaContext::spark)
        .orElseGet(
            () -> {
              scala.Option<SparkSession> s = SparkSession.getActiveSession();
              s = s.isDefined() ? s : SparkSession.getDefaultSession();
              if (s.isEmpty()) {
                throw new OrcaException(
                    "XShards need Spark, and none is running. Start it with OrcaContext.init().");
              }
              return s.get();
            });
  }

  public static JavaSparkContext jsc() {
    return JavaSparkContext.fromSparkContext(spark().sparkContext());
  }
}
