package dev.orca.estimator.internal;

import dev.orca.context.OrcaContext;
import io.ray.api.ActorHandle;
import io.ray.api.Ray;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RayProbeTest {
  public static class Holder {
    private String value;
    public String set(String v, int rank) { value = v + rank; return "ok " + System.identityHashCode(this) + " " + Thread.currentThread().getName(); }
    public String withRef(byte[] b, int rank) { return "withRef " + b.length + " " + value + " " + System.identityHashCode(this) + " " + Thread.currentThread().getName(); }
    public String get() { return value + " " + System.identityHashCode(this) + " " + Thread.currentThread().getName(); }
  }

  @Test
  void probe() {
    try (OrcaContext orca = OrcaContext.init()) {
      orca.ray();
      List<ActorHandle<Holder>> actors = new ArrayList<>();
      for (int i = 0; i < 2; i++) actors.add(Ray.actor(Holder::new).remote());
      for (int i = 0; i < 2; i++) System.out.println("PROBE set " + actors.get(i).task(Holder::set, "v", i).remote().get());
      for (int i = 0; i < 2; i++) System.out.println("PROBE get " + actors.get(i).task(Holder::get).remote().get());
      byte[] bytes = new byte[] {1, 2};
      io.ray.api.ObjectRef<byte[]> ref = Ray.put(bytes);
      for (int i = 0; i < 2; i++) System.out.println("PROBE withref " + actors.get(i).task(Holder::withRef, ref, i).remote().get());
      for (int i = 0; i < 2; i++) System.out.println("PROBE get3 " + actors.get(i).task(Holder::get).remote().get());
      for (int i = 0; i < 2; i++) System.out.println("PROBE set2 " + actors.get(i).task(Holder::set, "w", i).remote().get());
      for (int i = 0; i < 2; i++) System.out.println("PROBE get2 " + actors.get(i).task(Holder::get).remote().get());
    }
  }
}
