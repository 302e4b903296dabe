import { prepareTemplateDatabase } from './database';

export default async function globalSetup(): Promise<void> {
  await prepareTemplateDatabase();
}
