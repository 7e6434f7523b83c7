// A C++ game loop profiled with the C++ binding: each frame updates physics
// and AI, hands animation jobs to a small job system on worker threads,
// waits for them, and "renders". The report has one tree per thread.
//
//   game_loop [FRAMES] [OUT_PREFIX]   writes OUT_PREFIX.pb and OUT_PREFIX.html

#include <pyinstrument/pyinstrument.hpp>

#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace game {

// Workers pull jobs from one queue; the frame waits until all are done.
class JobSystem {
 public:
  explicit JobSystem(int workers) {
    for (int i = 0; i < workers; ++i) {
      threads_.emplace_back([this, i] { WorkerLoop(i); });
    }
  }
  ~JobSystem() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& thread : threads_) thread.join();
  }

  void Submit(std::function<void()> job) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      jobs_.push_back(std::move(job));
      ++pending_;
    }
    wake_.notify_one();
  }

  void WaitIdle() {
    PYI_SCOPE();
    std::unique_lock<std::mutex> lock(mu_);
    idle_.wait(lock, [this] { return pending_ == 0; });
  }

 private:
  void WorkerLoop(int index) {
    pyi_thread_set_name(("worker-" + std::to_string(index)).c_str());
    PYI_SCOPE();
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
      std::lock_guard<std::mutex> lock(mu_);
      if (--pending_ == 0) idle_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable wake_, idle_;
  std::deque<std::function<void()>> jobs_;
  int pending_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

struct Body {
  double x, y, vx, vy;
};

class World {
 public:
  explicit World(int bodies) : bodies_(bodies) {
    for (int i = 0; i < bodies; ++i) {
      bodies_[i] = Body{std::sin(i * 1.7), std::cos(i * 0.3), 0, 0};
    }
  }

  void StepPhysics(double dt) {
    PYI_SCOPE();
    Integrate(dt);
    ResolveCollisions();
  }

  void UpdateAi() {
    PYI_SCOPE();
    for (int agent = 0; agent < 40; ++agent) PlanPath(agent, 0);
  }

  void Render() {
    PYI_SCOPE();
    double checksum = 0;
    {
      PYI_SCOPE_NAMED("cull");
      for (const Body& body : bodies_) checksum += std::fabs(body.x) < 0.9;
    }
    {
      PYI_SCOPE_NAMED("draw_calls");
      for (int pass = 0; pass < 30; ++pass) {
        for (const Body& body : bodies_) checksum += std::sqrt(body.x * body.x + 1);
      }
    }
    checksum_ += checksum;
  }

  double checksum() const { return checksum_; }

 private:
  void Integrate(double dt) {
    PYI_SCOPE();
    for (Body& body : bodies_) {
      body.vx += -body.x * dt;
      body.vy += -body.y * dt;
      body.x += body.vx * dt;
      body.y += body.vy * dt;
    }
  }

  void ResolveCollisions() {
    PYI_SCOPE();
    const size_t n = bodies_.size();
    for (size_t i = 0; i < n; i += 4) {
      for (size_t j = i + 1; j < n; j += 7) {
        const double dx = bodies_[i].x - bodies_[j].x;
        const double dy = bodies_[i].y - bodies_[j].y;
        if (dx * dx + dy * dy < 1e-4) std::swap(bodies_[i].vx, bodies_[j].vx);
      }
    }
  }

  // A recursive search, so the report shows recursion.
  int PlanPath(int agent, int depth) {
    PYI_SCOPE();
    if (depth == 6) return agent % 7;
    int best = 0;
    for (int branch = 0; branch < 2; ++branch) {
      best += PlanPath(agent + branch, depth + 1);
    }
    volatile double waste = 0;
    for (int i = 0; i < 400; ++i) waste = waste + std::sin(i + agent);
    return best;
  }

  std::vector<Body> bodies_;
  double checksum_ = 0;
};

void AnimateSkeleton(int skeleton) {
  PYI_SCOPE();
  volatile double pose = 0;
  for (int bone = 0; bone < 20000; ++bone) pose = pose + std::cos(bone * 0.01 + skeleton);
}

void RunFrame(World& world, JobSystem& jobs) {
  PYI_SCOPE();
  for (int skeleton = 0; skeleton < 8; ++skeleton) {
    jobs.Submit([skeleton] { AnimateSkeleton(skeleton); });
  }
  world.StepPhysics(1.0 / 60);
  world.UpdateAi();
  jobs.WaitIdle();
  world.Render();
}

}  // namespace game

int main(int argc, char** argv) {
  const int frames = argc > 1 ? std::atoi(argv[1]) : 120;
  const std::string prefix = argc > 2 ? argv[2] : "game_loop";

  pyi_options options;
  pyi_options_init(&options);
  options.target_description = "game_loop: physics, AI, jobs on 3 workers";
  pyi::Session session(options);
  if (!session.ok()) {
    std::fprintf(stderr, "game_loop: %s\n", session.error().c_str());
    return 1;
  }
  double checksum = 0;
  {
    game::JobSystem jobs(3);
    game::World world(3000);
    for (int frame = 0; frame < frames; ++frame) game::RunFrame(world, jobs);
    checksum = world.checksum();
  }
  if (session.Stop() != PYI_OK) {
    std::fprintf(stderr, "game_loop: %s\n", session.error().c_str());
    return 1;
  }
  std::fputs(session.Render().c_str(), stdout);
  int status = 0;
  if (session.Save(prefix + ".pb") != PYI_OK) {
    std::fprintf(stderr, "game_loop: %s\n", session.error().c_str());
    status = 1;
  }
  if (session.Export(prefix + ".html", "html") != PYI_OK) {
    std::fprintf(stderr, "game_loop: %s\n", session.error().c_str());
    status = 1;
  }
  std::printf("checksum %.3f; wrote %s.pb and %s.html\n", checksum,
              prefix.c_str(), prefix.c_str());
  return status;
}
