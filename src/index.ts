export default {
  async fetch(request: Request, env: { ORIGIN_URL?: string }): Promise<Response> {
    const url = new URL(request.url);
    return fetch(new URL(url.pathname + url.search, env.ORIGIN_URL), request);
  },
};
