import { ProjectEntity } from './project.entity';
import { ProjectEventEntity } from './project-event.entity';

export { ProjectEntity, ProjectEventEntity };
export const ENTITIES = [ProjectEntity, ProjectEventEntity];
