import { isAdminRequest, normalisedPath } from './paths';

const request = (url: string, route?: string) => ({ url, routeOptions: { url: route } }) as Parameters<typeof isAdminRequest>[0];

describe('normalisedPath', () => {
  it.each([
    ['/queues/api/queues', '/queues/api/queues'],
    ['/%71ueues/api/queues?x=1', '/queues/api/queues'],
    ['/%2571ueues', '/queues'],
    ['//queues//api', '/queues/api'],
    ['/QUEUES/Api', '/queues/api'],
    ['/items/x/../debug/./check/1', '/items/debug/check/1'],
    ['/queues;jsessionid=1/api', '/queues/api'],
    ['\\queues\\api', '/queues/api'],
    ['/queues/', '/queues'],
    ['/%E0%A4%A', '/\u00e0\u00a4%a'],
    ['/', '/'],
  ])('%s is %s', (url, path) => expect(normalisedPath(url)).toBe(path));
});

describe('isAdminRequest', () => {
  it('is true for the route the router matched, whatever the spelling', () => {
    expect(isAdminRequest(request('/%71ueues/api/queues', '/queues/api/queues'))).toBe(true);
    expect(isAdminRequest(request('/items/%64ebug/check/1', '/items/debug/check/:id'))).toBe(true);
  });

  it('is true for any spelling of an admin path, routed or not', () => {
    for (const url of ['/QUEUES', '//queues/api/queues', '/items/DEBUG/refresh/1', '/items/./debug', '/queues;a=b'])
      expect(isAdminRequest(request(url))).toBe(true);
  });

  it('is false elsewhere, including look-alikes', () => {
    for (const url of ['/items/1', '/queuesx', '/items/debugger', '/docs', '/health'])
      expect(isAdminRequest(request(url, url))).toBe(false);
  });
});
