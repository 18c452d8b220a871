// The benchmark's baseline: a bare passthrough worker, the least a worker in
// front of the origin can do. Pitstop's figures are reported as ratios to it.
export default {
  fetch(req, env) {
    const u = new URL(req.url);
    return fetch(new URL(u.pathname + u.search, env.ORIGIN_URL), req);
  },
};
