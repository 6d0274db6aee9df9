export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** An item as the API returns it and as the cache stores it (JSON, version included). */
export interface Item {
  id: string;
  name: string;
  value: JsonValue;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface ItemUpdate {
  value: JsonValue;
  name?: string;
  expectedVersion?: number;
}
