package dev.orca.estimator.internal.ray;

import dev.orca.launcher.ray.RayRuntime;
import io.ray.api.ActorHandle;
import io.ray.api.ObjectRef;
import io.ray.api.Ray;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The training actors of one Ray runtime, kept between fits: Ray's LOCAL mode cannot kill an actor
 * (its thread stays until Ray shuts down), so creating new ones for every fit would pile them up. A
 * released actor is reset (its model, ring, shards and memory freed) and waits for the next fit.
 */
final class ActorPool {
  private static final Map<RayRuntime, List<ActorHandle<RayTrainingActor>>> IDLE =
      new WeakHashMap<>();

  private ActorPool() {}

  /** {@code n} idle actors of {@code ray}, creating what is missing. */
  static synchronized List<ActorHandle<RayTrainingActor>> acquire(RayRuntime ray, int n) {
    List<ActorHandle<RayTrainingActor>> idle = IDLE.computeIfAbsent(ray, r -> new ArrayList<>());
    List<ActorHandle<RayTrainingActor>> out = new ArrayList<>();
    while (out.size() < n && !idle.isEmpty()) {
      out.add(idle.remove(idle.size() - 1));
    }
    while (out.size() < n) {
      out.add(Ray.actor(RayTrainingActor::new).remote());
    }
    return out;
  }

  /**
   * Resets the actors' workers and keeps the actors that answer; one that fails to reset is
   * dropped.
   */
  static synchronized void release(
      RayRuntime ray, List<ActorHandle<RayTrainingActor>> actors, List<String> ids) {
    if (!ray.isRunning()) {
      return;
    }
    List<ObjectRef<Boolean>> resets = new ArrayList<>();
    for (int r = 0; r < actors.size(); r++) {
      resets.add(actors.get(r).task(RayTrainingActor::reset, ids.get(r)).remote());
    }
    List<ActorHandle<RayTrainingActor>> idle = IDLE.computeIfAbsent(ray, r -> new ArrayList<>());
    for (int i = 0; i < actors.size(); i++) {
      try {
        Ray.get(resets.get(i), 60_000);
        idle.add(actors.get(i));
      } catch (RuntimeException e) {
        try {
          actors.get(i).kill(); // on a cluster; LOCAL mode cannot, and the actor is left alone
        } catch (UnsupportedOperationException unsupported) {
          // nothing more to do
        }
      }
    }
    Ray.internal().free(new ArrayList<>(resets), false);
  }
}
