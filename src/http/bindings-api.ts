// Owns `GET /api/bindings`: the binding families this node offers and their spellings, for the demo
// page's picker and for people exploring the bridge. Knows the catalogue's forms, nothing of sockets.
import type { BindingCatalogue } from '../bindings/catalogue';
import { RequestHandler, sendJson, sendMethodNotAllowed } from './json-io';

export const BINDINGS_PATH = '/api/bindings';

/**
 * Answers `GET /api/bindings` with `{families: [{name, forms: [{binding, description}]}]}`.
 * @example httpRoutes({ …, handlers: [bindingsApi(catalogue)] })
 */
export function bindingsApi(catalogue: BindingCatalogue): RequestHandler {
  const body = {
    families: catalogue.families.map((f) => ({ name: f.name, forms: f.forms.map((form) => ({ binding: form.binding, description: form.description })) })),
  };
  return (req, res) => {
    if ((req.url ?? '/').split('?')[0] !== BINDINGS_PATH) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendMethodNotAllowed(req, res, BINDINGS_PATH, ['GET', 'HEAD']);
      return true;
    }
    sendJson(res, 200, body, req.method === 'HEAD');
    return true;
  };
}
