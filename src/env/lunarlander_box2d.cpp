// LunarLander-v2 rigid bodies on Box2D 2.4: terrain, lander, legs with
// spring-loaded joints, engines and contact tracking, with Gym's constants.
// Random draws and the reward live in lunarlander.c.
#include "lunarlander_box2d.h"

#include <box2d/box2d.h>

#include <cmath>
#include <new>

namespace {

const double FPS = 50.0;
const double SCALE = 30.0;
const double MAIN_ENGINE_POWER = 13.0;
const double SIDE_ENGINE_POWER = 0.6;
const double LEG_AWAY = 20.0;
const double LEG_DOWN = 18.0;
const double LEG_W = 2.0, LEG_H = 8.0;
const double LEG_SPRING_TORQUE = 40.0;
const double SIDE_ENGINE_HEIGHT = 14.0;
const double SIDE_ENGINE_AWAY = 12.0;
const double VIEWPORT_W = 600.0, VIEWPORT_H = 400.0;
const double W = VIEWPORT_W / SCALE, H = VIEWPORT_H / SCALE;
const int LANDER_POLY[6][2] = {{-14, 17}, {-17, 0}, {-17, -10}, {17, -10}, {17, 0}, {14, 17}};

// Records which bodies touch the ground, as Gym's ContactDetector does.
struct Contacts : public b2ContactListener {
  b2Body *lander = nullptr;
  b2Body *legs[2] = {nullptr, nullptr};
  bool game_over = false;
  bool leg_contact[2] = {false, false};

  static bool involves(b2Contact *c, const b2Body *b) {
    return c->GetFixtureA()->GetBody() == b || c->GetFixtureB()->GetBody() == b;
  }
  void BeginContact(b2Contact *c) override {
    if (involves(c, lander)) game_over = true;
    for (int i = 0; i < 2; i++)
      if (involves(c, legs[i])) leg_contact[i] = true;
  }
  void EndContact(b2Contact *c) override {
    for (int i = 0; i < 2; i++)
      if (involves(c, legs[i])) leg_contact[i] = false;
  }
};

}  // namespace

struct ll_world {
  b2World *world = nullptr;
  Contacts contacts;
  b2Body *lander = nullptr;
  b2Body *legs[2] = {nullptr, nullptr};
  double helipad_y = 0;
  double chunk_x[LL_CHUNKS];
  double smooth_y[LL_CHUNKS];
};

extern "C" ll_world *ll_world_create(void) { return new (std::nothrow) ll_world(); }

extern "C" void ll_world_destroy(ll_world *w) {
  if (!w) return;
  delete w->world;
  delete w;
}

extern "C" int ll_world_reset(ll_world *w, const double *heights_in) {
  delete w->world;
  w->world = new (std::nothrow) b2World(b2Vec2(0.0f, -10.0f));
  if (!w->world) return -1;
  w->contacts = Contacts();
  w->world->SetContactListener(&w->contacts);

  // terrain: CHUNKS + 1 heights, the five around the centre flattened to the helipad
  double height[LL_CHUNKS + 1];
  for (int i = 0; i <= LL_CHUNKS; i++) height[i] = heights_in[i];
  for (int i = 0; i < LL_CHUNKS; i++) w->chunk_x[i] = W / (LL_CHUNKS - 1) * i;
  w->helipad_y = H / 4;
  for (int d = -2; d <= 2; d++) height[LL_CHUNKS / 2 + d] = w->helipad_y;
  for (int i = 0; i < LL_CHUNKS; i++) {
    // Gym indexes height[i - 1] with Python's wrap-around: i = 0 reads the last entry
    const double prev = height[i == 0 ? LL_CHUNKS : i - 1];
    w->smooth_y[i] = 0.33 * (prev + height[i] + height[i + 1]);
  }

  b2BodyDef moon_def;  // static by default
  b2Body *moon = w->world->CreateBody(&moon_def);
  b2EdgeShape floor;
  floor.SetTwoSided(b2Vec2(0.0f, 0.0f), b2Vec2((float)W, 0.0f));
  b2FixtureDef floor_fd;  // defaults as pybox2d's shapes= argument: friction 0.2, density 0
  floor_fd.shape = &floor;
  moon->CreateFixture(&floor_fd);
  for (int i = 0; i < LL_CHUNKS - 1; i++) {
    b2EdgeShape edge;
    edge.SetTwoSided(b2Vec2((float)w->chunk_x[i], (float)w->smooth_y[i]),
                     b2Vec2((float)w->chunk_x[i + 1], (float)w->smooth_y[i + 1]));
    b2FixtureDef fd;
    fd.shape = &edge;
    fd.density = 0.0f;
    fd.friction = 0.1f;
    moon->CreateFixture(&fd);
  }

  const double initial_y = VIEWPORT_H / SCALE;
  b2BodyDef bd;
  bd.type = b2_dynamicBody;
  bd.position.Set((float)(VIEWPORT_W / SCALE / 2), (float)initial_y);
  bd.angle = 0.0f;
  w->lander = w->world->CreateBody(&bd);
  b2Vec2 verts[6];
  for (int i = 0; i < 6; i++)
    verts[i].Set((float)(LANDER_POLY[i][0] / SCALE), (float)(LANDER_POLY[i][1] / SCALE));
  b2PolygonShape hull;
  hull.Set(verts, 6);
  b2FixtureDef lfd;
  lfd.shape = &hull;
  lfd.density = 5.0f;
  lfd.friction = 0.1f;
  lfd.filter.categoryBits = 0x0010;
  lfd.filter.maskBits = 0x001;  // collides with the ground only
  lfd.restitution = 0.0f;
  w->lander->CreateFixture(&lfd);

  for (int k = 0; k < 2; k++) {
    const int i = k == 0 ? -1 : 1;
    b2BodyDef lbd;
    lbd.type = b2_dynamicBody;
    lbd.position.Set((float)(VIEWPORT_W / SCALE / 2 - i * LEG_AWAY / SCALE), (float)initial_y);
    lbd.angle = (float)(i * 0.05);
    b2Body *leg = w->world->CreateBody(&lbd);
    b2PolygonShape box;
    box.SetAsBox((float)(LEG_W / SCALE), (float)(LEG_H / SCALE));
    b2FixtureDef fd;
    fd.shape = &box;
    fd.density = 1.0f;
    fd.restitution = 0.0f;
    fd.filter.categoryBits = 0x0020;
    fd.filter.maskBits = 0x001;
    leg->CreateFixture(&fd);
    b2RevoluteJointDef rjd;
    // pybox2d's revoluteJointDef(bodyA=, bodyB=, ...) sets referenceAngle to
    // bodyB.angle - bodyA.angle (= 0.05 i) when it is not given, so Gym's
    // limits are relative to the legs' initial tilt: the resting legs stand at
    // 0.35 rad from the hull, not 0.4 (4.4 cm more reach below the hull).
    rjd.referenceAngle = leg->GetAngle() - w->lander->GetAngle();
    rjd.bodyA = w->lander;
    rjd.bodyB = leg;
    rjd.localAnchorA.Set(0.0f, 0.0f);
    rjd.localAnchorB.Set((float)(i * LEG_AWAY / SCALE), (float)(LEG_DOWN / SCALE));
    rjd.enableMotor = true;
    rjd.enableLimit = true;
    rjd.maxMotorTorque = (float)LEG_SPRING_TORQUE;
    rjd.motorSpeed = (float)(0.3 * i);
    if (i == -1) {
      rjd.lowerAngle = (float)(0.9 - 0.5);
      rjd.upperAngle = 0.9f;
    } else {
      rjd.lowerAngle = -0.9f;
      rjd.upperAngle = (float)(-0.9 + 0.5);
    }
    w->world->CreateJoint(&rjd);
    w->legs[k] = leg;
  }
  w->contacts.lander = w->lander;
  w->contacts.legs[0] = w->legs[0];
  w->contacts.legs[1] = w->legs[1];
  return 0;
}

extern "C" double ll_world_helipad_y(const ll_world *w) { return w->helipad_y; }

extern "C" void ll_world_initial_force(ll_world *w, double fx, double fy) {
  w->lander->ApplyForceToCenter(b2Vec2((float)fx, (float)fy), true);
}

extern "C" void ll_world_step(ll_world *w, int action, double d0, double d1, double *m_power,
                              double *s_power) {
  b2Body *L = w->lander;
  const double angle = L->GetAngle();
  const double tip[2] = {std::sin(angle), std::cos(angle)};
  const double side[2] = {-tip[1], tip[0]};
  const double disp[2] = {d0 / SCALE, d1 / SCALE};
  *m_power = 0.0;
  *s_power = 0.0;
  if (action == 2) {
    *m_power = 1.0;
    // 4/SCALE below the centre, shifted by the dispersion
    const double ox = tip[0] * (4 / SCALE + 2 * disp[0]) + side[0] * disp[1];
    const double oy = -tip[1] * (4 / SCALE + 2 * disp[0]) - side[1] * disp[1];
    const b2Vec2 pos = L->GetPosition();
    const b2Vec2 at((float)(pos.x + ox), (float)(pos.y + oy));
    L->ApplyLinearImpulse(b2Vec2((float)(-ox * MAIN_ENGINE_POWER), (float)(-oy * MAIN_ENGINE_POWER)),
                          at, true);
  }
  if (action == 1 || action == 3) {
    const double direction = action - 2;
    *s_power = 1.0;
    const double ox = tip[0] * disp[0] + side[0] * (3 * disp[1] + direction * SIDE_ENGINE_AWAY / SCALE);
    const double oy =
        -tip[1] * disp[0] - side[1] * (3 * disp[1] + direction * SIDE_ENGINE_AWAY / SCALE);
    const b2Vec2 pos = L->GetPosition();
    const b2Vec2 at((float)(pos.x + ox - tip[0] * 17 / SCALE),
                    (float)(pos.y + oy + tip[1] * SIDE_ENGINE_HEIGHT / SCALE));
    L->ApplyLinearImpulse(b2Vec2((float)(-ox * SIDE_ENGINE_POWER), (float)(-oy * SIDE_ENGINE_POWER)),
                          at, true);
  }
  w->world->Step((float)(1.0 / FPS), 6 * 30, 2 * 30);
}

extern "C" void ll_world_state(const ll_world *w, ll_body_state *s) {
  const b2Body *L = w->lander;
  const b2Vec2 p = L->GetPosition(), v = L->GetLinearVelocity();
  s->x = p.x;
  s->y = p.y;
  s->vx = v.x;
  s->vy = v.y;
  s->angle = L->GetAngle();
  s->omega = L->GetAngularVelocity();
  s->leg_contact[0] = w->contacts.leg_contact[0];
  s->leg_contact[1] = w->contacts.leg_contact[1];
  for (int k = 0; k < 2; k++) {
    s->leg_angle[k] = w->legs[k]->GetAngle() - L->GetAngle();
    s->leg_x[k] = w->legs[k]->GetPosition().x;
    s->leg_y[k] = w->legs[k]->GetPosition().y;
  }
  s->game_over = w->contacts.game_over;
  s->awake = L->IsAwake();
}

extern "C" void ll_world_terrain(const ll_world *w, double *chunk_x, double *smooth_y) {
  for (int i = 0; i < LL_CHUNKS; i++) {
    chunk_x[i] = w->chunk_x[i];
    smooth_y[i] = w->smooth_y[i];
  }
}
