import { RequestMethod, type INestApplication, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { IS_PUBLIC, REQUIRED_PERMISSIONS } from '../../src/auth/decorators.js';

/** How a route declares its door: public, any authenticated admin, some permissions, or not at all. */
export type Declaration = { kind: 'public' } | { kind: 'authenticated' } | { kind: 'permissions'; permissions: string[] } | { kind: 'undeclared' };

export interface RouteInfo {
  /** 'GET /api/v1/customers/:id' (health and metrics have no prefix). */
  route: string;
  controller: string;
  handler: string;
  declaration: Declaration;
}

const UNPREFIXED = new Set(['health', 'metrics']);

function join(...parts: string[]): string {
  return (
    '/' +
    parts
      .flatMap((part) => part.split('/'))
      .filter(Boolean)
      .join('/')
  );
}

function pathsOf(value: unknown): string[] {
  if (value === undefined) return [''];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/** Every HTTP route of the running app, with its auth declaration (as the AuthGuard reads it). */
export function routeInventory(app: INestApplication): RouteInfo[] {
  const reflector = new Reflector();
  const seen = new Set<Type>();
  const routes: RouteInfo[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | null;
      if (!controller || seen.has(controller)) continue;
      seen.add(controller);
      const controllerPaths = pathsOf(Reflect.getMetadata(PATH_METADATA, controller));
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = controller.prototype[name];
        if (name === 'constructor' || typeof handler !== 'function' || Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod] ?? 'GET';
        const declaration = declarationOf(reflector, handler, controller);
        for (const base of controllerPaths) {
          for (const own of pathsOf(Reflect.getMetadata(PATH_METADATA, handler))) {
            const path = UNPREFIXED.has(base.replace(/^\//, '').split('/')[0]) ? join(base, own) : join('api/v1', base, own);
            routes.push({ route: `${method} ${path}`, controller: controller.name, handler: name, declaration });
          }
        }
      }
    }
  }
  return routes.sort((a, b) => a.route.localeCompare(b.route));
}

function declarationOf(reflector: Reflector, handler: () => unknown, controller: Type): Declaration {
  const targets = [handler, controller];
  if (reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return { kind: 'public' };
  const permissions = reflector.getAllAndOverride<string[] | undefined>(REQUIRED_PERMISSIONS, targets);
  if (permissions === undefined) return { kind: 'undeclared' };
  return permissions.length === 0 ? { kind: 'authenticated' } : { kind: 'permissions', permissions };
}
